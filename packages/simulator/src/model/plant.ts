// A plant of lines of machines advanced in fixed simulated steps. Same seed, same config and the same
// sequence of `advance` calls give the same change stream, to the bit.
import { Machine, type MachineIdentity, type MachineStats, type SignalChange } from './machine';
import { parsePlannedStops, type PlantModelConfig } from './plant-config';
import { mixSeed, Prng } from './prng';
import type { SignalName, SignalValue } from './signals';

export interface PlantOptions {
  readonly seed: number;
  /** Simulated time (epoch ms, UTC) at which the simulation starts. */
  readonly startTimeMs: number;
}

export interface PlantStats {
  readonly startTimeMs: number;
  readonly nowMs: number;
  readonly elapsedMs: number;
  readonly totalChanges: number;
  readonly machines: readonly MachineStats[];
}

export type ChangeListener = (change: SignalChange) => void;
/** Called once at the end of every `advance` that ran at least one step (publishers flush batches here). */
export type AdvanceListener = (nowMs: number) => void;

export class Plant {
  readonly machines: readonly Machine[];
  readonly startTimeMs: number;
  private currentMs: number;
  private pendingMs = 0;
  private totalChanges = 0;
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly advanceListeners = new Set<AdvanceListener>();
  private readonly byAssetId = new Map<string, Machine>();
  private readonly emit = (change: SignalChange): void => {
    this.totalChanges += 1;
    for (const listener of this.changeListeners) listener(change);
  };

  constructor(
    readonly config: PlantModelConfig,
    options: PlantOptions,
  ) {
    if (!(config.stepMs > 0) || !Number.isInteger(config.stepMs)) {
      throw new Error(`plant.stepMs must be a positive integer, got ${config.stepMs}`);
    }
    this.startTimeMs = options.startTimeMs;
    this.currentMs = options.startTimeMs;
    const plannedStops = parsePlannedStops(config.plannedStops);
    const machines: Machine[] = [];
    for (let lineIndex = 0; lineIndex < config.lines; lineIndex += 1) {
      for (let machineIndex = 0; machineIndex < config.machinesPerLine; machineIndex += 1) {
        const identity = machineIdentity(config, lineIndex, machineIndex, machines.length);
        const rng = new Prng(mixSeed(options.seed, identity.plantIndex));
        const machine = new Machine(identity, config, plannedStops, rng, options.startTimeMs);
        machines.push(machine);
        this.byAssetId.set(identity.assetId, machine);
      }
    }
    this.machines = machines;
  }

  /** Current simulated time, epoch ms. */
  get nowMs(): number {
    return this.currentMs;
  }

  machine(assetId: string): Machine {
    const machine = this.byAssetId.get(assetId);
    if (machine === undefined) throw new Error(`no machine with asset id ${assetId} in the simulated plant`);
    return machine;
  }

  value(assetId: string, signal: SignalName): SignalValue {
    return this.machine(assetId).value(signal);
  }

  /**
   * Advances simulated time by `simMs`, in whole steps; a remainder shorter than a step is kept for the next
   * call, so `advance(150); advance(50)` equals `advance(200)`.
   */
  advance(simMs: number): void {
    if (!(simMs >= 0) || !Number.isFinite(simMs)) {
      throw new Error(`advance needs a finite non-negative duration in ms, got ${simMs}`);
    }
    this.pendingMs += simMs;
    const stepMs = this.config.stepMs;
    let stepped = false;
    while (this.pendingMs >= stepMs) {
      this.pendingMs -= stepMs;
      this.currentMs += stepMs;
      for (const machine of this.machines) machine.step(this.currentMs, stepMs, this.emit);
      stepped = true;
    }
    if (stepped) for (const listener of this.advanceListeners) listener(this.currentMs);
  }

  /** Subscribes to every value change, in order; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onAdvance(listener: AdvanceListener): () => void {
    this.advanceListeners.add(listener);
    return () => this.advanceListeners.delete(listener);
  }

  stats(): PlantStats {
    return {
      startTimeMs: this.startTimeMs,
      nowMs: this.currentMs,
      elapsedMs: this.currentMs - this.startTimeMs,
      totalChanges: this.totalChanges,
      machines: this.machines.map((machine) => machine.stats()),
    };
  }
}

function machineIdentity(
  config: PlantModelConfig,
  lineIndex: number,
  machineIndex: number,
  plantIndex: number,
): MachineIdentity {
  const lineId = `line-${lineIndex + 1}`;
  const machineId = `machine-${machineIndex + 1}`;
  const path = [config.enterprise, config.site, config.area, lineId, machineId].filter((part) => part !== '');
  return { assetId: path.join('/').toLowerCase(), lineId, machineId, lineIndex, machineIndex, plantIndex };
}
