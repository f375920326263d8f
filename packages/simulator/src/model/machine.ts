// One machine as a PLC would see it: a state machine stepped in fixed simulated time, producing parts,
// stopping for micro-stops, breakdowns, changeovers and planned stops, and sampling its condition signals.
// Pure: time comes in as an argument, randomness from the machine's own seeded stream.
import { plannedStopEnd, type PlannedStopSpan, type PlantModelConfig } from './plant-config';
import type { Prng } from './prng';
import {
  FAULT_CODE,
  MACHINE_STATE,
  MACHINE_STATE_NAMES,
  RANDOM_FAULT_CODES,
  SIGNAL_NAMES,
  type MachineStateName,
  type SignalName,
  type SignalValue,
} from './signals';
// Math bound once: global lookups are slow inside vm contexts (jest), and this is the hot path.
const { floor, max, round: roundHalfUp } = Math;

export interface MachineIdentity {
  /** docs/architecture.md section 4 path, e.g. `acme/plant-1/line-1/machine-1`. */
  readonly assetId: string;
  readonly lineId: string;
  readonly machineId: string;
  readonly lineIndex: number;
  readonly machineIndex: number;
  /** Position in the plant, 0-based over all lines (the Modbus block number). */
  readonly plantIndex: number;
}

export interface SignalChange {
  readonly assetId: string;
  readonly lineId: string;
  readonly machineId: string;
  readonly signal: SignalName;
  readonly value: SignalValue;
  readonly sourceTimeMs: number;
}

export type ChangeSink = (change: SignalChange) => void;

/** A machine's production order: its number, size, progress and ideal cycle time. */
export interface MachineOrder {
  readonly orderNumber: string;
  readonly sequence: number;
  readonly quantity: number;
  readonly produced: number;
  readonly idealCycleTimeS: number;
}

/** Ground truth of one machine since the simulation started. */
export interface MachineStats {
  readonly assetId: string;
  /** Parts really produced (not affected by counter rollovers or resets). */
  readonly partsProduced: number;
  readonly rejectsProduced: number;
  readonly timeInStateMs: Readonly<Record<MachineStateName, number>>;
  readonly stateEntries: Readonly<Record<MachineStateName, number>>;
  readonly breakdownsByFaultCode: Readonly<Record<number, number>>;
  readonly changeovers: number;
  readonly counterRollovers: { readonly totalCount: number; readonly rejectCount: number };
  readonly counterResets: number;
  /** Value changes emitted per signal. */
  readonly changes: Readonly<Record<SignalName, number>>;
}

const AMBIENT_C = 24;
const THERMAL_TIME_CONSTANT_MS = 15 * 60_000;
const ORDER_VARIANTS = [0.85, 1, 1, 1.2] as const;

function zeroPerState(): Record<MachineStateName, number> {
  return Object.fromEntries(MACHINE_STATE_NAMES.map((name) => [name, 0])) as Record<MachineStateName, number>;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return roundHalfUp(value * factor) / factor;
}

export class Machine {
  private readonly values = new Map<SignalName, SignalValue>();
  private state: MachineStateName = 'RUNNING';
  private stopEndMs = 0;
  private bearingWear: number;
  private bearingLifeMs: number;
  private slowDownFactor = 1;
  private slowDownEndMs = 0;
  private cycleProgressMs = 0;
  private currentCycleMs: number;
  private idealCycleMs: number;
  private orderSeq = 0;
  private orderQuantity = 0;
  private orderProduced = 0;
  private totalCounter: number;
  private rejectCounter: number;
  private partsSincePublish = 0;
  private temperatureC: number;

  private partsProduced = 0;
  private rejectsProduced = 0;
  private readonly timeInStateMs = zeroPerState();
  private readonly stateEntries = zeroPerState();
  private readonly breakdownsByFaultCode: Record<number, number> = {};
  private changeovers = 0;
  private readonly counterRollovers = { totalCount: 0, rejectCount: 0 };
  private counterResets = 0;
  private readonly changes = Object.fromEntries(SIGNAL_NAMES.map((name) => [name, 0])) as Record<
    SignalName,
    number
  >;

  constructor(
    readonly identity: MachineIdentity,
    private readonly config: PlantModelConfig,
    private readonly plannedStops: readonly PlannedStopSpan[],
    private readonly rng: Prng,
    startTimeMs: number,
  ) {
    this.bearingWear = rng.uniform(0, 0.6);
    this.bearingLifeMs = this.drawBearingLifeMs();
    const { rollover, randomStart } = config.counters;
    this.totalCounter = randomStart ? rng.int(0, max(0, floor(rollover / 2) - 1)) : 0;
    this.rejectCounter = randomStart ? floor(this.totalCounter * config.rejectRate) : 0;
    this.temperatureC = 45;
    this.idealCycleMs = config.idealCycleTimeS * 1000;
    this.startOrder();
    // Join the first order somewhere in the middle so that machines do not change over in lockstep.
    this.orderProduced = rng.int(0, this.orderQuantity - 1);
    this.currentCycleMs = this.drawCycleMs();

    const plannedEnd = plannedStopEnd(plannedStops, startTimeMs);
    if (plannedEnd !== undefined) {
      this.state = 'PLANNED_STOP';
      this.stopEndMs = plannedEnd;
    }
    this.stateEntries[this.state] += 1;
    this.values.set('state', MACHINE_STATE[this.state]);
    this.values.set('faultCode', FAULT_CODE.NONE);
    this.values.set('totalCount', this.totalCounter);
    this.values.set('rejectCount', this.rejectCounter);
    this.values.set('orderNumber', this.orderNumber());
    this.values.set('idealCycleTime', round(this.idealCycleMs / 1000, 3));
    this.values.set('cycleTime', round(this.idealCycleMs / 1000, 3));
    this.values.set('speed', 0);
    this.values.set('temperature', round(this.temperatureC, 2));
    this.values.set('motorCurrent', 0);
    this.values.set('vibration', 0);
  }

  get stateName(): MachineStateName {
    return this.state;
  }

  value(signal: SignalName): SignalValue {
    const value = this.values.get(signal);
    if (value === undefined) throw new Error(`machine ${this.identity.assetId} has no signal ${signal}`);
    return value;
  }

  /** Current value of every signal. */
  snapshot(): Record<SignalName, SignalValue> {
    return Object.fromEntries(this.values) as Record<SignalName, SignalValue>;
  }

  stats(): MachineStats {
    return {
      assetId: this.identity.assetId,
      partsProduced: this.partsProduced,
      rejectsProduced: this.rejectsProduced,
      timeInStateMs: { ...this.timeInStateMs },
      stateEntries: { ...this.stateEntries },
      breakdownsByFaultCode: { ...this.breakdownsByFaultCode },
      changeovers: this.changeovers,
      counterRollovers: { ...this.counterRollovers },
      counterResets: this.counterResets,
      changes: { ...this.changes },
    };
  }

  /** Advances the machine by one step ending at `nowMs`. */
  step(nowMs: number, stepMs: number, emit: ChangeSink): void {
    this.timeInStateMs[this.state] += stepMs;
    if (this.state === 'RUNNING') this.run(nowMs, stepMs, emit);
    else if (nowMs >= this.stopEndMs) this.endStop(nowMs, emit);

    const running = this.state === 'RUNNING';
    const load = running ? this.idealCycleMs / this.currentCycleMs : 0;
    const targetC = running ? 48 + 6 * load + 12 * this.bearingWear ** 2 : AMBIENT_C;
    this.temperatureC += (targetC - this.temperatureC) * (stepMs / THERMAL_TIME_CONSTANT_MS);

    const interval = this.config.sampleIntervalMs;
    if (floor(nowMs / interval) !== floor((nowMs - stepMs) / interval)) {
      this.sample(nowMs, running, load, emit);
    }
  }

  private run(nowMs: number, stepMs: number, emit: ChangeSink): void {
    const { breakdowns, microStops, slowDowns } = this.config;
    const plannedEnd = plannedStopEnd(this.plannedStops, nowMs);
    if (plannedEnd !== undefined) {
      this.enter('PLANNED_STOP', plannedEnd, nowMs, emit);
      return;
    }
    this.bearingWear += stepMs / this.bearingLifeMs;
    if (this.bearingWear >= 1) {
      this.breakDown(FAULT_CODE.BEARING_FAILURE, nowMs, emit);
      return;
    }
    if (this.rng.chance(stepMs / (breakdowns.mtbfH * 3_600_000))) {
      this.breakDown(this.rng.pick(RANDOM_FAULT_CODES), nowMs, emit);
      return;
    }
    if (this.rng.chance(stepMs / (microStops.meanIntervalMin * 60_000))) {
      const state = this.rng.pick(['IDLE', 'STARVED', 'BLOCKED'] as const);
      const durationMs = this.rng.uniform(microStops.minDurationS, microStops.maxDurationS) * 1000;
      this.enter(state, nowMs + roundHalfUp(durationMs), nowMs, emit);
      return;
    }
    if (this.slowDownFactor > 1 && nowMs >= this.slowDownEndMs) {
      this.slowDownFactor = 1;
    } else if (this.slowDownFactor === 1 && this.rng.chance(stepMs / (slowDowns.meanIntervalMin * 60_000))) {
      this.slowDownFactor = this.rng.uniform(1.1, max(1.1, slowDowns.maxFactor));
      this.slowDownEndMs =
        nowMs + this.rng.uniform(slowDowns.minDurationMin, slowDowns.maxDurationMin) * 60_000;
    }
    this.cycleProgressMs += stepMs;
    while (this.cycleProgressMs >= this.currentCycleMs) {
      this.cycleProgressMs -= this.currentCycleMs;
      this.producePart(nowMs, emit);
      this.currentCycleMs = this.drawCycleMs();
      if (this.orderProduced >= this.orderQuantity) {
        this.startChangeover(nowMs, emit);
        return;
      }
    }
  }

  private endStop(nowMs: number, emit: ChangeSink): void {
    if (this.state === 'BREAKDOWN') {
      if (this.value('faultCode') === FAULT_CODE.BEARING_FAILURE) {
        this.bearingWear = 0;
        this.bearingLifeMs = this.drawBearingLifeMs();
      }
      this.set('faultCode', FAULT_CODE.NONE, nowMs, emit);
    }
    const plannedEnd = plannedStopEnd(this.plannedStops, nowMs);
    if (plannedEnd !== undefined && this.state !== 'PLANNED_STOP') {
      this.enter('PLANNED_STOP', plannedEnd, nowMs, emit);
    } else {
      this.enter('RUNNING', nowMs, nowMs, emit);
    }
  }

  private breakDown(faultCode: number, nowMs: number, emit: ChangeSink): void {
    const { minRepairMin, maxRepairMin } = this.config.breakdowns;
    this.breakdownsByFaultCode[faultCode] = (this.breakdownsByFaultCode[faultCode] ?? 0) + 1;
    this.set('faultCode', faultCode, nowMs, emit);
    const repairMs = this.rng.uniform(minRepairMin, maxRepairMin) * 60_000;
    this.enter('BREAKDOWN', nowMs + roundHalfUp(repairMs), nowMs, emit);
  }

  private startChangeover(nowMs: number, emit: ChangeSink): void {
    const { minChangeoverMin, maxChangeoverMin } = this.config.orders;
    this.changeovers += 1;
    this.startOrder();
    this.set('orderNumber', this.orderNumber(), nowMs, emit);
    this.set('idealCycleTime', round(this.idealCycleMs / 1000, 3), nowMs, emit);
    if (this.rng.chance(this.config.counters.resetProbability)) {
      this.counterResets += 1;
      this.totalCounter = 0;
      this.rejectCounter = 0;
      this.partsSincePublish = 0;
      this.set('totalCount', 0, nowMs, emit);
      this.set('rejectCount', 0, nowMs, emit);
    }
    const durationMs = this.rng.uniform(minChangeoverMin, maxChangeoverMin) * 60_000;
    this.enter('CHANGEOVER', nowMs + roundHalfUp(durationMs), nowMs, emit);
    this.cycleProgressMs = 0;
    this.currentCycleMs = this.drawCycleMs();
  }

  private producePart(nowMs: number, emit: ChangeSink): void {
    const { rollover, publishEvery } = this.config.counters;
    const cycleMs = this.currentCycleMs;
    this.partsProduced += 1;
    this.orderProduced += 1;
    this.totalCounter += 1;
    if (this.totalCounter >= rollover) {
      this.totalCounter = 0;
      this.counterRollovers.totalCount += 1;
    }
    if (this.rng.chance(this.config.rejectRate)) {
      this.rejectsProduced += 1;
      this.rejectCounter += 1;
      if (this.rejectCounter >= rollover) {
        this.rejectCounter = 0;
        this.counterRollovers.rejectCount += 1;
      }
    }
    this.partsSincePublish += 1;
    if (this.partsSincePublish >= publishEvery) {
      this.partsSincePublish = 0;
      this.set('totalCount', this.totalCounter, nowMs, emit);
      this.set('rejectCount', this.rejectCounter, nowMs, emit);
    }
    this.set('cycleTime', round(cycleMs / 1000, 3), nowMs, emit);
  }

  private sample(nowMs: number, running: boolean, load: number, emit: ChangeSink): void {
    const temperatureNoise = this.rng.normal();
    const currentNoise = this.rng.normal();
    const vibrationNoise = this.rng.normal();
    const wear = this.bearingWear;
    const speed = running ? round(60_000 / this.currentCycleMs, 2) : 0;
    const current = running ? 6 + 4 * load + 2 * wear ** 2 + 0.15 * currentNoise : 0.5 + 0.05 * currentNoise;
    const vibration = running
      ? 1.1 + 9 * wear ** 3 + 0.08 * (1 + wear) * vibrationNoise
      : 0.15 + 0.03 * vibrationNoise;
    this.set('speed', speed, nowMs, emit);
    this.set('temperature', round(this.temperatureC + 0.15 * temperatureNoise, 2), nowMs, emit);
    this.set('motorCurrent', round(max(0, current), 2), nowMs, emit);
    this.set('vibration', round(max(0, vibration), 3), nowMs, emit);
  }

  private enter(state: MachineStateName, stopEndMs: number, nowMs: number, emit: ChangeSink): void {
    this.state = state;
    this.stopEndMs = stopEndMs;
    this.stateEntries[state] += 1;
    this.set('state', MACHINE_STATE[state], nowMs, emit);
  }

  private set(signal: SignalName, value: SignalValue, nowMs: number, emit: ChangeSink): void {
    if (this.values.get(signal) === value) return;
    this.values.set(signal, value);
    this.changes[signal] += 1;
    const { assetId, lineId, machineId } = this.identity;
    emit({ assetId, lineId, machineId, signal, value, sourceTimeMs: nowMs });
  }

  /** The order the machine works on now, as the ERP that released it would know it. */
  currentOrder(): MachineOrder {
    return {
      orderNumber: this.orderNumber(),
      sequence: this.orderSeq,
      quantity: this.orderQuantity,
      produced: this.orderProduced,
      idealCycleTimeS: this.idealCycleMs / 1000,
    };
  }

  /** The number the machine will give its order `sequence` (the ERP plans orders ahead under these numbers). */
  orderNumberOf(sequence: number): string {
    const { lineIndex, machineIndex } = this.identity;
    const machine = String(machineIndex + 1).padStart(2, '0');
    return `ORD-L${lineIndex + 1}M${machine}-${String(sequence).padStart(5, '0')}`;
  }

  private startOrder(): void {
    const { minQuantity, maxQuantity } = this.config.orders;
    this.orderSeq += 1;
    this.orderQuantity = this.rng.int(minQuantity, maxQuantity);
    this.orderProduced = 0;
    this.idealCycleMs = this.config.idealCycleTimeS * 1000 * this.rng.pick(ORDER_VARIANTS);
  }

  private orderNumber(): string {
    return this.orderNumberOf(this.orderSeq);
  }

  private drawCycleMs(): number {
    const noise = max(0.8, 1 + this.config.cycleTimeNoise * this.rng.normal());
    return max(1, roundHalfUp(this.idealCycleMs * this.slowDownFactor * noise));
  }

  private drawBearingLifeMs(): number {
    return this.config.breakdowns.bearingLifeH * 3_600_000 * this.rng.uniform(0.6, 1.4);
  }
}
