// Simulated machines (the simulator's plant model, stepped in simulated time) turned into kiln.telemetry.v1
// batches named as normalization names the embedded plant's signals.
import { encodeEvent, eventTopics, Quality, type TelemetryBatch } from '@kiln/contracts';
import type { OutgoingRecord } from '@kiln/bus';
import { DEFAULT_PLANT_CONFIG, FAULT_CODE, Plant, type SignalChange } from '@kiln/simulator';

const CONDITION_SIGNALS: Readonly<Record<string, { name: string; unit: string }>> = {
  vibration: { name: 'vibration', unit: 'mm/s' },
  temperature: { name: 'temperature', unit: 'Cel' },
  motorCurrent: { name: 'motor-current', unit: 'A' },
  speed: { name: 'speed', unit: '1/min' },
};

export interface FleetOptions {
  readonly site: string;
  readonly machines: number;
  /** Mean running hours of a bearing from new to failure. */
  readonly bearingLifeH: number;
  readonly seed: number;
  readonly startTimeMs: number;
}

export class SimulatedFleet {
  readonly plant: Plant;
  /** Bearing failures seen so far: asset id and simulated time (ms). */
  readonly bearingFailures: { assetId: string; timeMs: number }[] = [];
  private pending = new Map<string, TelemetryBatch>();
  samples = 0;

  constructor(options: FleetOptions) {
    this.plant = new Plant(
      {
        ...DEFAULT_PLANT_CONFIG,
        site: options.site,
        lines: 1,
        machinesPerLine: options.machines,
        stepMs: 1000,
        sampleIntervalMs: 10_000,
        breakdowns: { ...DEFAULT_PLANT_CONFIG.breakdowns, bearingLifeH: options.bearingLifeH },
      },
      { seed: options.seed, startTimeMs: options.startTimeMs },
    );
    this.plant.onChange((change) => this.collect(change));
  }

  get assetIds(): string[] {
    return this.plant.machines.map((machine) => machine.identity.assetId);
  }

  /** Advances simulated time and returns the telemetry of that span, one record per asset. */
  advance(ms: number): OutgoingRecord[] {
    this.plant.advance(ms);
    const records = [...this.pending.values()].map((batch) => encodeEvent(eventTopics.telemetry, batch));
    this.pending = new Map();
    return records;
  }

  private collect(change: SignalChange): void {
    if (change.signal === 'faultCode' && change.value === FAULT_CODE.BEARING_FAILURE) {
      this.bearingFailures.push({ assetId: change.assetId, timeMs: change.sourceTimeMs });
    }
    const signal = CONDITION_SIGNALS[change.signal];
    if (signal === undefined || typeof change.value !== 'number') return;
    const batch = this.pending.get(change.assetId) ?? { assetId: change.assetId, points: [] };
    batch.points.push({
      signal: signal.name,
      value: { kind: { $case: 'numberValue', value: change.value } },
      quality: Quality.QUALITY_GOOD,
      timeUs: change.sourceTimeMs * 1000,
      receiveTimeUs: change.sourceTimeMs * 1000,
      unit: signal.unit,
    });
    this.pending.set(change.assetId, batch);
    this.samples += 1;
  }
}
