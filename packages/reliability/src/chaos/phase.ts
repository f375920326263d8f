// One phase of the suite: its load, its fault part-way through, the wait until the pipeline has drained, and
// the counts: sent, stored, stored twice, dead-lettered, lost, and the OEE of the fixed hour.
import type { ChaosDatabase, OeeFigures } from './counts';
import { describeOee, sameOee } from './counts';
import { readDeadLetters } from './dlq';
import type { Fault } from './faults';
import type { LoadGenerator } from './load';
import type { OeeInput } from './oee-script';
import type { ChaosPlatform } from './platform';
import { channelOf, describeRuns } from './samples';
import type { FaultRow } from './table';

export interface PhaseSpec {
  readonly platform: ChaosPlatform;
  readonly database: ChaosDatabase;
  readonly load: LoadGenerator;
  readonly fault: Fault | undefined;
  readonly faultAt: number;
  readonly outageMs: number;
  readonly drainTimeoutMs: number;
  readonly firstSample: number;
  readonly sampleCount: number;
  readonly mqttEvery: number;
  readonly oeeAsset: string;
  readonly oeeAssetId: string;
  readonly oeeInputs: readonly OeeInput[];
  readonly windowStartUs: number;
  /** The reference phase's OEE; absent in the reference phase itself. */
  readonly reference: OeeFigures | undefined;
  readonly log: (message: string) => void;
}

export interface PhaseResult {
  readonly row: FaultRow;
  readonly oee: OeeFigures | undefined;
  readonly notes: string[];
  /** A service exited by itself during the phase. */
  readonly crashed: boolean;
}

/** Stored count unchanged this long means the pipeline has drained (or stalled). */
const STALL_MS = 45_000;
const OEE_STALL_MS = 30_000;
const POLL_MS = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const notes: string[] = [];
  const loadDone = spec.load.run({
    firstSample: spec.firstSample,
    sampleCount: spec.sampleCount,
    oeeAsset: spec.oeeAsset,
    oeeInputs: spec.oeeInputs,
  });
  let finished = false;
  void loadDone.finally(() => {
    finished = true;
  });
  if (spec.fault) {
    while (!finished && spec.load.progress() < spec.faultAt) await sleep(100);
    spec.log(
      `  fault: ${spec.fault.title} (at ${(spec.load.progress() * 100).toFixed(0)} % of the phase's load)`,
    );
    notes.push(await spec.fault.inject(spec.platform, spec.outageMs));
  }
  const sent = await loadDone;
  const ackedNumbers: number[] = [];
  sent.acknowledged.forEach((flag, i) => {
    if (flag === 1) ackedNumbers.push(spec.firstSample + i);
  });
  spec.log(
    `  load done: ${ackedNumbers.length} acknowledged (${sent.sentHttp} HTTP, ${sent.sentMqtt} MQTT), ` +
      `${sent.notSent} not sent, ${sent.httpRetries} HTTP retries; draining`,
  );
  if (sent.notSent > 0 || sent.oeeInputsNotSent > 0) {
    notes.push(
      `${sent.notSent} samples and ${sent.oeeInputsNotSent} OEE inputs never acknowledged: ${sent.refusals.join('; ')}`,
    );
  }

  const drained = await waitForDrain(spec, ackedNumbers.length);
  notes.push(
    `drained in ${(drained.ms / 1000).toFixed(0)} s${drained.stalled ? ' (stopped growing short of sent)' : ''}`,
  );
  const stored = await spec.database.storedSamples(spec.firstSample, spec.sampleCount);
  const deadLetters = await readDeadLetters(spec.platform.broker.brokers);
  let storedOfSent = 0;
  let deadOfSent = 0;
  const lost: number[] = [];
  for (const n of ackedNumbers) {
    if (stored.distinct.has(n)) storedOfSent += 1;
    else if (deadLetters.sampleNumbers.has(n)) deadOfSent += 1;
    else lost.push(n);
  }
  if (lost.length > 0) {
    const mqttLost = lost.filter((n) => channelOf(n, spec.mqttEvery) === 'mqtt').length;
    notes.push(
      `lost ${lost.length} (${lost.length - mqttLost} sent over HTTP, ${mqttLost} over MQTT): ${describeRuns(lost)}`,
    );
  }
  if (deadOfSent > 0) {
    notes.push(`dead letters so far: ${[...deadLetters.reasons].map(([k, v]) => `${k} x${v}`).join(', ')}`);
    notes.push(...deadLetters.firstErrors.map((error) => `dead letter: ${error}`));
  }

  const oee = await waitForOee(spec);
  const oeeVsReference = compareOee(oee, spec.reference);
  notes.push(`OEE of the hour: ${describeOee(oee)}`);
  const crashes = spec.platform.takeCrashNotes();
  notes.push(...crashes);
  return {
    row: {
      fault: spec.fault?.title ?? 'reference (no fault)',
      sent: ackedNumbers.length,
      stored: storedOfSent,
      duplicates: stored.duplicates,
      deadLettered: deadOfSent,
      lost: lost.length,
      oeeVsReference,
    },
    oee,
    notes,
    crashed: crashes.length > 0,
  };
}

async function waitForDrain(spec: PhaseSpec, sent: number): Promise<{ ms: number; stalled: boolean }> {
  const started = Date.now();
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() - started < spec.drainTimeoutMs) {
    const stored = (await spec.database.storedSamples(spec.firstSample, spec.sampleCount)).distinct.size;
    if (stored >= sent) return { ms: Date.now() - started, stalled: false };
    if (stored !== last) {
      last = stored;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > STALL_MS) {
      return { ms: Date.now() - started, stalled: true };
    }
    await sleep(POLL_MS);
  }
  return { ms: Date.now() - started, stalled: true };
}

/** The phase asset's hour once it equals the reference, or once it stops changing (bounded). */
async function waitForOee(spec: PhaseSpec): Promise<OeeFigures | undefined> {
  const started = Date.now();
  let last: OeeFigures | undefined;
  let lastChange = Date.now();
  while (Date.now() - started < spec.drainTimeoutMs) {
    const now = await spec.database.hourOee(spec.oeeAssetId, spec.windowStartUs);
    if (now && spec.reference && sameOee(now, spec.reference)) return now;
    const changed = (now === undefined) !== (last === undefined) || (now && last && !sameOee(now, last));
    if (changed) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > OEE_STALL_MS) {
      return now;
    }
    await sleep(POLL_MS);
  }
  return last;
}

function compareOee(oee: OeeFigures | undefined, reference: OeeFigures | undefined): string {
  if (reference === undefined) return oee === undefined ? 'no result' : 'reference';
  if (oee === undefined) return 'no result';
  if (sameOee(oee, reference)) return 'identical';
  const delta = (oee.oee ?? 0) - (reference.oee ?? 0);
  return `differs (${delta >= 0 ? '+' : ''}${(delta * 100).toFixed(3)} pt, ${oee.totalCount}/${reference.totalCount} parts)`;
}
