// eval:pdm — runs the deterministic simulator model (no protocols, simulated time) for a fleet of machines,
// feeds each machine's samples into one AssetMonitor with DEFAULT_PDM_CONFIG, and scores the alerts against
// the ground truth of bearing failures (fault 310). The fleet and plant are set here; the detector is not.
//
// Targets: every bearing failure alerted >= 24 simulated hours ahead; < 0.1 false alerts per machine-day on
// healthy machines. Exits 1 when a target is missed.
// Usage: node services/maintenance/dist-eval/eval-pdm.js [days=40] [seed=7] [--verbose]
// Fleet: 12 machines whose bearings wear out in 240/360/480 running hours (x0.6-1.4, the simulator's spread),
// 10 with wear effectively off (4 of them with frequent deep slow-downs and long micro-stops); plant steps of
// 1 s and samples every 10 s keep a 40-day run near two minutes.
import {
  AssetMonitor,
  CONDITION_DEGRADATION,
  DEFAULT_PDM_CONFIG,
  tripLevelMmPerS,
  zoneBoundaries,
  type MonitorSample,
} from '@kiln/pdm';
import {
  DEFAULT_PLANT_CONFIG,
  FAULT_CODE,
  Plant,
  type PlantModelConfig,
  type SignalChange,
} from '@kiln/simulator';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const LEAD_TARGET_H = 24;
const FALSE_ALERT_TARGET_PER_DAY = 0.1;
/** On a healthy machine the crew inspects an alert within this time, finds nothing and resolves it. */
const INSPECTION_DELAY_H = 8;

/** How normalization names and types the simulator's condition signals. */
const SIGNALS: Readonly<Record<string, { name: string; unit: string }>> = {
  vibration: { name: 'vibration', unit: 'mm/s' },
  temperature: { name: 'temperature', unit: 'Cel' },
  motorCurrent: { name: 'motor-current', unit: 'A' },
  speed: { name: 'speed', unit: '1/min' },
};

interface FleetGroup {
  readonly site: string;
  readonly machines: number;
  readonly bearingLifeH: number;
  readonly degrading: boolean;
  readonly rough?: boolean;
}

const FLEET: readonly FleetGroup[] = [
  { site: 'wear-10d', machines: 4, bearingLifeH: 240, degrading: true },
  { site: 'wear-15d', machines: 4, bearingLifeH: 360, degrading: true },
  { site: 'wear-20d', machines: 4, bearingLifeH: 480, degrading: true },
  { site: 'healthy', machines: 6, bearingLifeH: 1e9, degrading: false },
  // Healthy but harder: frequent, deep slow-downs and micro-stops move temperature and current a lot.
  { site: 'healthy-rough', machines: 4, bearingLifeH: 1e9, degrading: false, rough: true },
];
const SIM_DAYS = Number(process.argv[2] ?? 40);
const SEED = Number(process.argv[3] ?? 7);
const VERBOSE = process.argv.includes('--verbose');
const START_MS = Date.UTC(2026, 0, 5);
const CHUNK_MS = 10 * 60_000;
const TRIP_MM_PER_S = tripLevelMmPerS(
  zoneBoundaries(DEFAULT_PDM_CONFIG.iso),
  DEFAULT_PDM_CONFIG.iso.tripFactor,
);

interface AlertRecord {
  readonly timeMs: number;
  readonly opHours: number;
  readonly severity: string;
}

interface MachineRun {
  readonly assetId: string;
  readonly degrading: boolean;
  readonly monitor: AssetMonitor;
  pending: MonitorSample[];
  alertOpen: boolean;
  alertOpenedMs: number;
  opens: AlertRecord[];
  failuresMs: number[];
  failureOpHours: number[];
  /** Operating hours at which the vibration window level first reached the trip level, per episode. */
  tripOpHours: number[];
  lastOpHours: number;
  /** (opHours, predicted RUL) from health updates. */
  rulPoints: { opHours: number; timeMs: number; estimateH: number; lowerH: number; upperH: number }[];
}

function plantConfig(group: FleetGroup): PlantModelConfig {
  return {
    ...DEFAULT_PLANT_CONFIG,
    site: group.site,
    lines: 1,
    machinesPerLine: group.machines,
    stepMs: 1_000,
    sampleIntervalMs: 10_000,
    breakdowns: { ...DEFAULT_PLANT_CONFIG.breakdowns, bearingLifeH: group.bearingLifeH },
    ...(group.rough === true
      ? {
          slowDowns: { meanIntervalMin: 20, minDurationMin: 5, maxDurationMin: 60, maxFactor: 2 },
          microStops: { meanIntervalMin: 5, minDurationS: 3, maxDurationS: 300 },
        }
      : {}),
  };
}

function main(): void {
  const started = Date.now();
  const runs = new Map<string, MachineRun>();
  const plants = FLEET.map((group, index) => {
    const plant = new Plant(plantConfig(group), { seed: SEED * 100 + index, startTimeMs: START_MS });
    for (const machine of plant.machines) {
      const assetId = machine.identity.assetId;
      runs.set(assetId, {
        assetId,
        degrading: group.degrading,
        monitor: new AssetMonitor(assetId, DEFAULT_PDM_CONFIG),
        pending: [],
        alertOpen: false,
        alertOpenedMs: 0,
        opens: [],
        failuresMs: [],
        failureOpHours: [],
        tripOpHours: [],
        lastOpHours: 0,
        rulPoints: [],
      });
    }
    plant.onChange((change) => onChange(runs, change));
    return plant;
  });

  for (let t = 0; t < SIM_DAYS * DAY_MS; t += CHUNK_MS) {
    for (const plant of plants) plant.advance(CHUNK_MS);
    for (const run of runs.values()) flush(run, START_MS + t + CHUNK_MS);
  }
  report([...runs.values()], (Date.now() - started) / 1000);
}

function onChange(runs: Map<string, MachineRun>, change: SignalChange): void {
  const run = runs.get(change.assetId);
  if (run === undefined) return;
  if (change.signal === 'faultCode') {
    if (change.value === FAULT_CODE.BEARING_FAILURE) {
      flush(run, change.sourceTimeMs);
      run.failuresMs.push(change.sourceTimeMs);
      run.failureOpHours.push(run.lastOpHours);
      if (run.tripOpHours.length < run.failuresMs.length) run.tripOpHours.push(Number.NaN);
    } else if (change.value === FAULT_CODE.NONE && run.failuresMs.length > 0 && run.alertOpen) {
      const lastFailure = run.failuresMs[run.failuresMs.length - 1] ?? 0;
      if (lastFailure > run.alertOpenedMs) {
        // Repair done: the crew resolves the alert that announced this failure.
        run.monitor.alertClosed(CONDITION_DEGRADATION, change.sourceTimeMs * 1000);
        run.alertOpen = false;
      }
    }
    return;
  }
  const signal = SIGNALS[change.signal];
  if (signal === undefined || typeof change.value !== 'number') return;
  run.pending.push({
    signal: signal.name,
    timeUs: change.sourceTimeMs * 1000,
    value: change.value,
    good: true,
    unit: signal.unit,
  });
}

function flush(run: MachineRun, nowMs: number): void {
  const output = run.monitor.ingest(run.pending);
  run.pending = [];
  for (const update of output.health) {
    run.lastOpHours = update.operatingHours ?? run.lastOpHours;
    const vibration = update.signals.find((signal) => signal.signal === 'vibration');
    // The window closed right after a failure still holds pre-failure samples: it belongs to the old episode.
    const lastFailureMs = run.failuresMs[run.failuresMs.length - 1] ?? Number.NEGATIVE_INFINITY;
    if (
      vibration !== undefined &&
      vibration.value >= TRIP_MM_PER_S &&
      update.timeUs / 1000 > lastFailureMs + 2 * DEFAULT_PDM_CONFIG.featureWindowS * 1000 &&
      run.tripOpHours.length === run.failuresMs.length
    ) {
      run.tripOpHours.push(run.lastOpHours);
    }
    if (update.rul !== undefined) {
      run.rulPoints.push({ opHours: run.lastOpHours, timeMs: update.timeUs / 1000, ...update.rul });
    }
  }
  for (const alert of output.alerts) {
    if (alert.action === 'open') {
      run.opens.push({ timeMs: alert.timeUs / 1000, opHours: run.lastOpHours, severity: alert.severity });
      run.alertOpen = true;
      run.alertOpenedMs = alert.timeUs / 1000;
    }
  }
  if (!run.degrading && run.alertOpen && nowMs - run.alertOpenedMs >= INSPECTION_DELAY_H * HOUR_MS) {
    run.monitor.alertClosed(CONDITION_DEGRADATION, nowMs * 1000);
    run.alertOpen = false;
  }
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function report(runs: readonly MachineRun[], runtimeS: number): void {
  const horizonH = DEFAULT_PDM_CONFIG.alerts.rulHorizonH;
  const leads: number[] = [];
  let missed = 0;
  let unconfirmed = 0;
  let censored = 0;
  const endMs = START_MS + SIM_DAYS * DAY_MS;
  const rulErrors: { remaining: number; estimate: number; lower: number; upper: number }[] = [];
  const tripErrors: { remaining: number; estimate: number; lower: number; upper: number }[] = [];
  for (const run of runs.filter((r) => r.degrading)) {
    let episodeStart = Number.NEGATIVE_INFINITY;
    run.failuresMs.forEach((failureMs, i) => {
      const first = run.opens.find((open) => open.timeMs > episodeStart && open.timeMs <= failureMs);
      if (first === undefined) missed += 1;
      else leads.push((failureMs - first.timeMs) / HOUR_MS);
      const failureOp = run.failureOpHours[i] ?? 0;
      const tripOp = run.tripOpHours[i] ?? Number.NaN;
      for (const point of run.rulPoints) {
        if (point.timeMs > episodeStart && point.timeMs <= failureMs) {
          const interval = { estimate: point.estimateH, lower: point.lowerH, upper: point.upperH };
          rulErrors.push({ remaining: failureOp - point.opHours, ...interval });
          if (point.opHours <= tripOp) tripErrors.push({ remaining: tripOp - point.opHours, ...interval });
        }
      }
      episodeStart = failureMs;
    });
    for (const open of run.opens) {
      // The horizon is in operating hours, like the RUL that escalates alerts.
      const confirmed = run.failuresMs.some(
        (f, i) =>
          f >= open.timeMs && (run.failureOpHours[i] ?? Number.POSITIVE_INFINITY) - open.opHours <= horizonH,
      );
      // An alert within the horizon of the end of the run cannot be judged yet (censored).
      if (open.timeMs > endMs - horizonH * HOUR_MS && !confirmed) censored += 1;
      else if (!confirmed) unconfirmed += 1;
    }
  }
  const healthy = runs.filter((r) => !r.degrading);
  const falseAlerts = healthy.reduce((sum, r) => sum + r.opens.length, 0);
  const healthyDays = healthy.length * SIM_DAYS;
  const falsePerDay = falseAlerts / healthyDays;
  const sortedLeads = [...leads].sort((a, b) => a - b);
  const failures = leads.length + missed;
  const degradingOpens = runs.filter((r) => r.degrading).reduce((sum, r) => sum + r.opens.length, 0);

  console.log(
    `eval:pdm  fleet ${runs.length} machines (${runs.length - healthy.length} degrading, ${healthy.length} healthy), ${SIM_DAYS} simulated days, seed ${SEED}`,
  );
  console.log(`bearing failures: ${failures}, alerted: ${leads.length}, missed: ${missed}`);
  console.log(
    `lead time h (first alert -> failure): min ${fmt(sortedLeads[0])}, median ${fmt(quantile(sortedLeads, 0.5))}, max ${fmt(sortedLeads[sortedLeads.length - 1])}`,
  );
  console.log(
    `alerts on degrading machines: ${degradingOpens}, not followed by a failure within ${horizonH} operating h: ${unconfirmed} (${censored} too close to the end of the run to judge)`,
  );
  console.log(
    `false alerts on healthy machines: ${falseAlerts} in ${healthyDays} machine-days = ${falsePerDay.toFixed(3)} per machine-day`,
  );
  printRulAccuracy('to the bearing failure', rulErrors);
  printRulAccuracy(
    `to the trip level ${TRIP_MM_PER_S.toFixed(2)} mm/s (the RUL's own threshold)`,
    tripErrors,
  );
  if (VERBOSE) {
    for (const run of runs) {
      const days = (ms: number): string => ((ms - START_MS) / DAY_MS).toFixed(2);
      const opens = run.opens.map((o) => `${days(o.timeMs)}d ${o.severity}`).join(', ');
      console.log(
        `  ${run.assetId}: failures at ${run.failuresMs.map(days).join(', ') || '-'} (operating h ${run.failureOpHours.map((h) => h.toFixed(1)).join(', ')}, trip level reached at ${run.tripOpHours.map((h) => h.toFixed(1)).join(', ')}); alerts opened at ${opens || '-'}`,
      );
    }
  }
  const leadPass = failures > 0 && missed === 0 && (sortedLeads[0] ?? 0) >= LEAD_TARGET_H;
  const falsePass = falsePerDay < FALSE_ALERT_TARGET_PER_DAY;
  console.log(
    `${leadPass ? 'PASS' : 'FAIL'} lead time >= ${LEAD_TARGET_H} h for every failure (min ${fmt(sortedLeads[0])} h, ${missed} missed)`,
  );
  console.log(
    `${falsePass ? 'PASS' : 'FAIL'} false alerts < ${FALSE_ALERT_TARGET_PER_DAY} per machine-day (${falsePerDay.toFixed(3)})`,
  );
  console.log(`run time ${runtimeS.toFixed(1)} s`);
  if (!leadPass || !falsePass) process.exitCode = 1;
}

function printRulAccuracy(
  what: string,
  errors: readonly { remaining: number; estimate: number; lower: number; upper: number }[],
): void {
  for (const target of [96, 48, 24]) {
    const near = errors.filter((e) => Math.abs(e.remaining - target) <= 6);
    if (near.length === 0) continue;
    const err = near.map((e) => Math.abs(e.estimate - e.remaining)).sort((a, b) => a - b);
    const covered = near.filter((e) => e.remaining >= e.lower && e.remaining <= e.upper).length;
    const bias = near.reduce((sum, e) => sum + e.estimate - e.remaining, 0) / near.length;
    console.log(
      `RUL ${what}, at ${target} +- 6 operating h: ${near.length} estimates, median |error| ${fmt(quantile(err, 0.5))} h, mean bias ${fmt(bias)} h, interval coverage ${((100 * covered) / near.length).toFixed(0)}%`,
    );
  }
}

function fmt(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(1);
}

main();
