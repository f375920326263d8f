// Acceptance: the simulator's OPC UA server (SignAndEncrypt / Basic256Sha256, user and password) read by
// ingestion's OPC UA connector into kiln.raw.v1. The test owns the plant's clock: every value change of the
// monitored tags is known, and each must arrive with its simulated source time, in order, also after the
// server was stopped and started again under the running connector.
import '../opcua/support/node-opcua-in-jest';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseSimulatorConfig,
  startSimulator,
  type SignalChange,
  type SignalName,
  type SimulatorHandle,
} from '@kiln/simulator';
import { describeWith, uniqueName, waitUntil } from '@kiln/test-infra';
import { delay } from '../opcua/support/wait';
import {
  recordStates,
  REPLAYED_DAY_SAMPLES,
  startIngestionInProcess,
  type IngestionInProcess,
} from '../support/ingestion-in-process';
import { startTopicReader, type PlainValue, type TopicReader } from '../support/topic-reader';

jest.setTimeout(90_000);

const USER = { username: 'line-operator', password: 'acceptance-secret-1' };
const WATCHED: readonly SignalName[] = ['temperature', 'state', 'totalCount'];
/** Real time between two plant steps: well above the 50 ms sampling interval, so the server samples every value. */
const STEP_EVERY_MS = 150;
const STEP_MS = 100;

/** node-opcua creates the certificates once per folder (slow); later runs reuse them. */
function pkiFolder(name: string): string {
  const folder = join(tmpdir(), 'kiln-ingestion-acceptance-pki', name);
  mkdirSync(folder, { recursive: true });
  return folder;
}

type Sequence = [sourceTimeUs: number, value: PlainValue][];

describeWith(['kafka'], 'acceptance: OPC UA to kiln.raw.v1', () => {
  const connectorId = uniqueName('opcua-acceptance');
  const sourceId = `opcua/${connectorId}`;
  let simulator: SimulatorHandle | undefined;
  let running: IngestionInProcess | undefined;
  let reader: TopicReader | undefined;

  afterAll(async () => {
    await running?.stop();
    await reader?.close();
    await simulator?.stop();
  }, 30_000);

  it('delivers every change of 12 tags with its simulated source time, before and after a server restart', async () => {
    simulator = await startSimulator(
      parseSimulatorConfig({
        seed: 11,
        startTime: '2025-03-03T05:00:00.000Z',
        plant: {
          lines: 1,
          machinesPerLine: 4,
          stepMs: STEP_MS,
          // Analog values every step, a part about every second, a micro-stop about every 6 s per machine.
          sampleIntervalMs: STEP_MS,
          idealCycleTimeS: 1,
          counters: { resetProbability: 0 },
          microStops: { meanIntervalMin: 0.1, minDurationS: 0.5, maxDurationS: 2 },
          plannedStops: [],
        },
        opcua: {
          port: 0,
          securityModes: ['SignAndEncrypt'],
          allowAnonymous: false,
          users: [USER],
          pkiDir: pkiFolder('server'),
        },
        mqtt: { enabled: false },
        modbus: { enabled: false },
      }),
      { manualClock: true },
    );
    const { plant, opcua } = simulator;
    if (opcua === undefined) throw new Error('the simulator started without its OPC UA server');
    const tagOf = (change: Pick<SignalChange, 'lineId' | 'machineId' | 'signal'>): string =>
      `Plant/${change.lineId}/${change.machineId}/${change.signal}`;
    const tags = plant.machines.flatMap((machine) =>
      WATCHED.map((signal) => tagOf({ ...machine.identity, signal })),
    );
    expect(tags).toHaveLength(12);

    const changes: SignalChange[] = [];
    plant.onChange((change) => {
      if (WATCHED.includes(change.signal)) changes.push(change);
    });

    reader = await startTopicReader('opcua-acceptance', { keepSource: (id) => id === sourceId });
    running = await startIngestionInProcess(
      'opcua-acceptance',
      [
        {
          kind: 'opcua',
          id: connectorId,
          endpointUrl: opcua.endpointUrl,
          securityMode: 'SignAndEncrypt',
          securityPolicy: 'Basic256Sha256',
          auth: { type: 'username', ...USER },
          // Trust by the server's certificate, not by accepting whatever server answers.
          pki: {
            folder: pkiFolder('client'),
            trustedServerCertificates: [opcua.serverCertificateFile],
            automaticallyAcceptUnknownCertificate: false,
          },
          subscription: { publishingIntervalMs: 100, samplingIntervalMs: 50, queueSize: 1000 },
          reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
          nodes: tags.map((tag) => ({ browsePath: `/Objects/${tag}` })),
        },
      ],
      REPLAYED_DAY_SAMPLES,
    );
    const states = recordStates(running, connectorId);
    const kafka = reader;
    const seen = (): string =>
      tags.map((tag) => `${tag}: ${kafka.samplesOf(sourceId, tag).length}`).join(', ');

    // The subscription's first values show that every tag is monitored before the plant moves.
    const startMs = plant.nowMs;
    await waitUntil(() => tags.every((tag) => kafka.samplesOf(sourceId, tag).length > 0), {
      timeoutMs: 30_000,
      what: 'the first value of every monitored tag in kiln.raw.v1',
      describe: () => `states ${states.states.join(' -> ')}; ${seen()}`,
    });
    for (const tag of tags) {
      const first = kafka.samplesOf(sourceId, tag)[0];
      expect(first?.sourceTimeUs).toBe(startMs * 1000);
    }

    // Phase 1: 80 steps while the session is up.
    const phase1 = await runSteps(80);
    const expected1 = expectedSequences(phase1, tags, tagOf);
    await waitForSequences(expected1, startMs, plant.nowMs, 'phase 1');
    expect(receivedSequences(tags, startMs, plant.nowMs)).toEqual(expected1);

    // The server goes away and comes back on the same port; the connector is not restarted.
    expect(running.stateOf(connectorId)).toBe('connected');
    await opcua.stop();
    await waitUntil(() => running?.stateOf(connectorId) === 'disconnected', {
      timeoutMs: 20_000,
      what: 'the connector to notice the OPC UA server is gone',
    });
    plant.advance(10 * STEP_MS); // changes while the server is down are lost: nobody samples them
    await opcua.start();
    const restartMs = plant.nowMs;
    await waitUntil(
      () =>
        running?.stateOf(connectorId) === 'connected' &&
        tags.every((tag) =>
          kafka.samplesOf(sourceId, tag).some((sample) => sample.sourceTimeUs === restartMs * 1000),
        ),
      {
        timeoutMs: 45_000,
        what: 'the first values of the restarted server',
        describe: () => `states ${states.states.join(' -> ')}`,
      },
    );

    // Phase 2: 40 more steps, read through the session rebuilt after the restart.
    const phase2 = await runSteps(40);
    const expected2 = expectedSequences(phase2, tags, tagOf);
    await waitForSequences(expected2, restartMs, plant.nowMs, 'phase 2');
    expect(receivedSequences(tags, restartMs, plant.nowMs)).toEqual(expected2);
    states.stop();

    const transitions = states.states.join(' -> ');
    expect(transitions).toMatch(/connected -> disconnected.* -> connected$/);
    const count = (sequences: Record<string, Sequence>): number =>
      Object.values(sequences).reduce((sum, sequence) => sum + sequence.length, 0);
    // The plant really moved every kind of watched signal.
    for (const signal of WATCHED) {
      expect(phase1.some((change) => change.signal === signal)).toBe(true);
    }
    expect(count(expected1)).toBeGreaterThan(300);
    expect(count(expected2)).toBeGreaterThan(150);

    async function runSteps(steps: number): Promise<SignalChange[]> {
      const from = changes.length;
      for (let step = 0; step < steps; step += 1) {
        plant.advance(STEP_MS);
        await delay(STEP_EVERY_MS);
      }
      return changes.slice(from);
    }

    async function waitForSequences(
      expected: Record<string, Sequence>,
      afterMs: number,
      untilMs: number,
      what: string,
    ): Promise<void> {
      await waitUntil(
        () => {
          const received = receivedSequences(tags, afterMs, untilMs);
          return tags.every((tag) => (received[tag]?.length ?? 0) >= (expected[tag]?.length ?? 0));
        },
        {
          timeoutMs: 20_000,
          what: `every change of ${what} in kiln.raw.v1`,
          describe: () => {
            const received = receivedSequences(tags, afterMs, untilMs);
            return tags
              .map((tag) => `${tag}: ${received[tag]?.length ?? 0}/${expected[tag]?.length ?? 0}`)
              .join(', ');
          },
        },
      );
    }

    /** Per tag, the (source time, value) pairs read back in (afterMs, untilMs], repeats (at-least-once) removed. */
    function receivedSequences(
      of: readonly string[],
      afterMs: number,
      untilMs: number,
    ): Record<string, Sequence> {
      const result: Record<string, Sequence> = {};
      for (const tag of of) {
        const keys = new Set<string>();
        const sequence: Sequence = [];
        for (const sample of kafka.samplesOf(sourceId, tag)) {
          if (sample.sourceTimeUs <= afterMs * 1000 || sample.sourceTimeUs > untilMs * 1000) continue;
          const key = `${sample.sourceTimeUs}|${String(sample.value)}`;
          if (keys.has(key)) continue;
          keys.add(key);
          sequence.push([sample.sourceTimeUs, sample.value]);
        }
        result[tag] = sequence;
      }
      return result;
    }
  });
});

/** Per tag, the (source time in µs, value) of every change, in order; each step changes a tag at most once. */
function expectedSequences(
  changes: readonly SignalChange[],
  tags: readonly string[],
  tagOf: (change: SignalChange) => string,
): Record<string, Sequence> {
  const result: Record<string, Sequence> = Object.fromEntries(tags.map((tag) => [tag, []]));
  for (const change of changes) {
    const sequence = result[tagOf(change)];
    if (sequence === undefined) continue;
    const last = sequence[sequence.length - 1];
    // Two changes of one tag in one step could not both be sampled: the test's pacing rules that out.
    expect(last?.[0]).not.toBe(change.sourceTimeMs * 1000);
    sequence.push([change.sourceTimeMs * 1000, change.value]);
  }
  return result;
}
