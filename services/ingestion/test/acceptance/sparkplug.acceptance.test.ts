// Acceptance: the simulator's Sparkplug B edge node and ingestion's Sparkplug host application, through the
// real Mosquitto. Births become samples named by metric; data by alias arrives under those names with the
// simulated source times; a seq gap is answered with a rebirth request the edge node obeys; the edge node's
// NDEATH (its MQTT Will, sent by the broker when the connection drops) marks every metric stale.
// node-opcua (loaded with the simulator) prints warnings on import: silenced first.
import '../opcua/support/node-opcua-in-jest';
import { connectAsync } from 'mqtt';
import { Quality } from '@kiln/contracts';
import {
  parseSimulatorConfig,
  SIGNALS,
  startSimulator,
  type SignalChange,
  type SimulatorHandle,
} from '@kiln/simulator';
import { describeWith, serviceEndpoints, uniqueName, waitUntil } from '@kiln/test-infra';
import { delay } from '../opcua/support/wait';
import {
  counterValues,
  REPLAYED_DAY_SAMPLES,
  startIngestionInProcess,
  type IngestionInProcess,
} from '../support/ingestion-in-process';
import {
  startTopicReader,
  type PlainValue,
  type ReadSample,
  type TopicReader,
} from '../support/topic-reader';

jest.setTimeout(90_000);

const EDGE_NODE = 'simulator';
const STEP_MS = 100;

describeWith(['kafka', 'mqtt'], 'acceptance: Sparkplug B through Mosquitto to kiln.raw.v1', () => {
  const { mqttUrl } = serviceEndpoints();
  const groupId = uniqueName('kiln-acceptance');
  const hostId = uniqueName('kiln-host');
  const connectorId = uniqueName('sparkplug-acceptance');
  const nodeSourceId = `sparkplug/${groupId}/${EDGE_NODE}`;
  let simulator: SimulatorHandle | undefined;
  let running: IngestionInProcess | undefined;
  let reader: TopicReader | undefined;

  afterAll(async () => {
    await simulator?.stop();
    await running?.stop();
    await reader?.close();
    // The host's retained STATE would stay in the broker for ever: remove it.
    const cleaner = await connectAsync(mqttUrl, { clientId: uniqueName('kiln-acceptance-cleaner') });
    await cleaner.publishAsync(`spBv1.0/STATE/${hostId}`, '', { qos: 1, retain: true });
    await cleaner.endAsync();
  }, 30_000);

  it('reads births and data by name, asks for a rebirth after a seq gap and marks metrics stale on NDEATH', async () => {
    reader = await startTopicReader('sparkplug-acceptance', {
      keepSource: (id) => id.startsWith(`${nodeSourceId}/`) || id === nodeSourceId,
    });
    running = await startIngestionInProcess(
      'sparkplug-acceptance',
      [
        {
          kind: 'sparkplug',
          id: connectorId,
          url: mqttUrl,
          hostId,
          groups: [groupId],
          reorderTimeoutMs: 300,
          rebirthMinIntervalMs: 1_000,
          reconnectPeriodMs: 500,
        },
      ],
      REPLAYED_DAY_SAMPLES,
    );
    const host = running;
    await waitUntil(() => host.stateOf(connectorId) === 'connected', {
      timeoutMs: 15_000,
      what: 'the Sparkplug host to be online',
    });

    // The edge node comes up after the host, so the host sees its births.
    simulator = await startSimulator(
      parseSimulatorConfig({
        seed: 5,
        startTime: '2025-03-03T05:00:00.000Z',
        plant: { lines: 1, machinesPerLine: 2, stepMs: STEP_MS, sampleIntervalMs: STEP_MS, plannedStops: [] },
        opcua: { enabled: false },
        modbus: { enabled: false },
        mqtt: {
          enabled: true,
          url: mqttUrl,
          json: { enabled: false },
          sparkplug: { groupId, edgeNodeId: EDGE_NODE },
        },
      }),
      { manualClock: true },
    );
    const { plant, sparkplug } = simulator;
    if (sparkplug === undefined) throw new Error('the simulator started without its Sparkplug edge node');
    const kafka = reader;
    const devices = plant.machines.map((machine) => ({
      assetId: machine.identity.assetId,
      sourceId: `${nodeSourceId}/${sparkplug.deviceId(machine.identity.assetId)}`,
    }));
    const sourceIdOf = (assetId: string): string =>
      devices.find((device) => device.assetId === assetId)?.sourceId ?? `unknown device ${assetId}`;
    /** Every metric of every device: its value now, as the plant has it. */
    const plantValues = (): Record<string, PlainValue> =>
      Object.fromEntries(
        devices.flatMap((device) =>
          SIGNALS.map((signal) => [
            `${device.sourceId} ${signal.name}`,
            plant.value(device.assetId, signal.name),
          ]),
        ),
      );
    /** Every metric of every device as the samples chosen by `pick` say it. */
    const readValues = (pick: (sample: ReadSample) => boolean): Record<string, PlainValue> => {
      const values: Record<string, PlainValue> = {};
      for (const sample of kafka.samples) {
        if (sample.sourceId !== nodeSourceId && pick(sample))
          values[`${sample.sourceId} ${sample.tag}`] = sample.value;
      }
      return values;
    };
    const metricCount = devices.length * SIGNALS.length;

    // 1. Births: every metric by name, with its value, at the simulated birth time.
    const birthUs = plant.nowMs * 1000;
    const born = (sample: ReadSample): boolean =>
      sample.sourceTimeUs === birthUs && sample.quality === Quality.QUALITY_GOOD;
    await waitUntil(() => Object.keys(readValues(born)).length === metricCount, {
      timeoutMs: 15_000,
      what: `the ${metricCount} device metrics of the births in kiln.raw.v1`,
      describe: () => `${Object.keys(readValues(born)).length} read`,
    });
    expect(readValues(born)).toEqual(plantValues());
    await waitUntil(() => kafka.samplesOf(nodeSourceId, 'bdSeq').length > 0, {
      timeoutMs: 10_000,
      what: 'the NBIRTH metrics',
    });
    expect(kafka.samplesOf(nodeSourceId, 'bdSeq')[0]?.value).toBe(0);
    expect(kafka.samplesOf(nodeSourceId, 'Node Control/Rebirth')[0]?.value).toBe(false);

    // 2. Data by alias, 30 steps of the plant: every change under its metric name with its source time.
    const changes: SignalChange[] = [];
    plant.onChange((change) => changes.push(change));
    for (let step = 0; step < 30; step += 1) {
      plant.advance(STEP_MS);
      await delay(20);
    }
    const dataUntilUs = plant.nowMs * 1000;
    const expectedData = sequencesOf(
      changes.map((change) => ({
        metric: `${sourceIdOf(change.assetId)} ${change.signal}`,
        sourceTimeUs: change.sourceTimeMs * 1000,
        value: change.value,
      })),
    );
    const receivedData = (): Record<string, string[]> =>
      sequencesOf(
        kafka.samples
          .filter((sample) => sample.sourceTimeUs > birthUs && sample.sourceTimeUs <= dataUntilUs)
          .map((sample) => ({ metric: `${sample.sourceId} ${sample.tag}`, ...sample })),
      );
    const total = (sequences: Record<string, string[]>): number =>
      Object.values(sequences).reduce((sum, sequence) => sum + sequence.length, 0);
    await waitUntil(() => total(receivedData()) >= total(expectedData), {
      timeoutMs: 15_000,
      what: `the ${total(expectedData)} changes sent as DDATA`,
      describe: () => `${total(receivedData())} received`,
    });
    expect(receivedData()).toEqual(expectedData);
    expect(total(expectedData)).toBeGreaterThan(100);

    // 3. A seq gap: the host holds the data for the reorder timeout, then asks for a rebirth, which the edge obeys.
    expect(sparkplug.stats().rebirthRequests).toBe(0);
    sparkplug.injectSeqGap();
    const gapChangesFrom = changes.length;
    plant.advance(STEP_MS);
    const gapUs = plant.nowMs * 1000;
    const gapChanges = changes.slice(gapChangesFrom);
    await waitUntil(
      () => sparkplug.stats().rebirthRequests === 1 && sparkplug.stats().published.NBIRTH === 2,
      {
        timeoutMs: 10_000,
        what: 'the edge node to receive a rebirth request and publish its births again',
        describe: () => JSON.stringify(sparkplug.stats()),
      },
    );
    const reborn = (sample: ReadSample): boolean =>
      sample.sourceTimeUs === gapUs && sample.quality === Quality.QUALITY_GOOD;
    await waitUntil(() => Object.keys(readValues(reborn)).length === metricCount, {
      timeoutMs: 10_000,
      what: 'the births after the rebirth request in kiln.raw.v1',
    });
    expect(readValues(reborn)).toEqual(plantValues());
    // The data held while the gap was open is not lost.
    for (const change of gapChanges) {
      expect(
        kafka
          .samplesOf(sourceIdOf(change.assetId), change.signal)
          .some((sample) => sample.sourceTimeUs === gapUs && sample.value === change.value),
      ).toBe(true);
    }
    const labelled = async (name: string): Promise<number> =>
      (await counterValues(host.registry, name)).find((entry) => entry.labels['connector'] === connectorId)
        ?.value ?? 0;
    expect(await labelled('kiln_sparkplug_seq_gaps_total')).toBe(1);
    expect(await labelled('kiln_sparkplug_rebirth_requests_total')).toBe(1);

    // 4. The connection drops: the broker sends the NDEATH Will, the host marks every metric stale (bad).
    const stale = (sample: ReadSample): boolean => sample.quality === Quality.QUALITY_BAD;
    expect(Object.keys(readValues(stale))).toHaveLength(0);
    sparkplug.simulateConnectionLoss();
    await waitUntil(() => Object.keys(readValues(stale)).length === metricCount, {
      timeoutMs: 15_000,
      what: 'stale samples of every device metric after the NDEATH',
      describe: () => `${Object.keys(readValues(stale)).length} of ${metricCount}`,
    });
    // Stale samples repeat the last value; the plant stood still since.
    expect(readValues(stale)).toEqual(plantValues());
    expect(kafka.samplesOf(nodeSourceId, 'bdSeq').some(stale)).toBe(true);
    expect(kafka.samples.filter(stale).every((sample) => sample.sourceTimeUs === 0)).toBe(true);

    // The edge node reconnects by itself with the next bdSeq and is read again.
    await waitUntil(
      () =>
        kafka
          .samplesOf(nodeSourceId, 'bdSeq')
          .some((sample) => sample.value === 1 && sample.quality === Quality.QUALITY_GOOD),
      { timeoutMs: 15_000, what: 'the births of the reconnected edge node (bdSeq 1)' },
    );
  });
});

/** Per metric, `<source time µs> <value>` in order of arrival, repeats (at-least-once delivery) removed. */
function sequencesOf(
  samples: readonly { metric: string; sourceTimeUs: number; value: PlainValue }[],
): Record<string, string[]> {
  const sequences: Record<string, string[]> = {};
  for (const sample of samples) {
    const entry = `${sample.sourceTimeUs} ${String(sample.value)}`;
    const sequence = (sequences[sample.metric] ??= []);
    if (!sequence.includes(entry)) sequence.push(entry);
  }
  return sequences;
}
