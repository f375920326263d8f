// CPU % per process group over a window: the Kiln processes, the load generator, the bench itself, and the
// infrastructure they run on (Kafka, PostgreSQL, Mosquitto, Redis), plus the whole machine. Groups found by
// name are looked up again at each reading, so PostgreSQL backends that come and go are counted.
import { cpuPercent, findPids, readMachineTicks, readProcessTicks } from './proc-stat';

export interface CpuGroup {
  readonly name: string;
  readonly pids: () => readonly number[];
}

export interface CpuReading {
  readonly atMs: number;
  readonly groups: ReadonlyMap<string, ReadonlyMap<number, number>>;
  readonly machine: { busy: number; total: number };
}

export function infrastructureGroups(): CpuGroup[] {
  return [
    { name: 'kafka', pids: () => findPids((_comm, cmdline) => cmdline.includes('kafka.Kafka')) },
    { name: 'postgres', pids: () => findPids((comm) => comm === 'postgres' || comm.startsWith('postgres:')) },
    { name: 'mosquitto', pids: () => findPids((comm) => comm === 'mosquitto') },
    { name: 'redis', pids: () => findPids((comm) => comm === 'redis-server') },
  ];
}

export function readCpu(groups: readonly CpuGroup[]): CpuReading {
  const readings = new Map<string, Map<number, number>>();
  for (const group of groups) {
    const ticks = new Map<number, number>();
    for (const pid of group.pids()) {
      const value = readProcessTicks(pid);
      if (value !== undefined) ticks.set(pid, value);
    }
    readings.set(group.name, ticks);
  }
  return { atMs: Date.now(), groups: readings, machine: readMachineTicks() };
}

/** CPU % (100 = one core) of each group between two readings, and of the machine (100 x cores at most). */
export function cpuBetween(
  start: CpuReading,
  end: CpuReading,
): { groups: Map<string, number>; machine: number } {
  const intervalMs = end.atMs - start.atMs;
  const groups = new Map<string, number>();
  for (const [name, ticks] of end.groups) {
    const before = start.groups.get(name) ?? new Map<number, number>();
    let used = 0;
    // A process that started inside the window counts from zero; one that ended inside it is not counted.
    for (const [pid, value] of ticks) used += value - (before.get(pid) ?? 0);
    groups.set(name, cpuPercent(used, intervalMs));
  }
  return { groups, machine: cpuPercent(end.machine.busy - start.machine.busy, intervalMs) };
}
