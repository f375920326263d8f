// A machine whose condition signals the test writes itself: steady vibration and temperature around a baseline,
// then a bearing fault that lifts the vibration into ISO 10816 zone D. Deterministic noise.
import type { OutgoingRecord } from '@kiln/bus';
import { encodeEvent, eventTopics, Quality, type TelemetryPoint } from '@kiln/contracts';

export const SAMPLE_INTERVAL_MS = 5_000;

export class SyntheticMachine {
  private seed = 12345;
  private nowMs: number;

  constructor(
    readonly assetId: string,
    private readonly startMs: number,
    /** Vibration velocity RMS in mm/s at a time (ms since the start). */
    private readonly vibrationAt: (elapsedMs: number) => number,
  ) {
    this.nowMs = startMs;
  }

  private noise(): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return this.seed / 2_147_483_648 - 0.5;
  }

  private point(signal: string, value: number, unit: string): TelemetryPoint {
    const timeUs = this.nowMs * 1000;
    return {
      signal,
      value: { kind: { $case: 'numberValue', value } },
      quality: Quality.QUALITY_GOOD,
      timeUs,
      receiveTimeUs: timeUs,
      unit,
    };
  }

  /** The telemetry of the next `minutes`, one record per minute. */
  advance(minutes: number): OutgoingRecord[] {
    const records: OutgoingRecord[] = [];
    for (let minute = 0; minute < minutes; minute += 1) {
      const points: TelemetryPoint[] = [];
      for (let t = 0; t < 60_000; t += SAMPLE_INTERVAL_MS) {
        this.nowMs += SAMPLE_INTERVAL_MS;
        const vibration = this.vibrationAt(this.nowMs - this.startMs) * (1 + 0.04 * this.noise());
        points.push(
          this.point('speed', 60, '1/min'),
          this.point('vibration', vibration, 'mm/s'),
          this.point('temperature', 50 + 0.3 * this.noise(), 'Cel'),
        );
      }
      records.push(encodeEvent(eventTopics.telemetry, { assetId: this.assetId, points }));
    }
    return records;
  }
}
