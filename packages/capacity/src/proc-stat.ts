// CPU time of processes and of the machine from /proc (proc(5)). The parsers are pure; the readers return
// undefined for a process that is gone.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of the times in /proc/<pid>/stat and /proc/stat; 100 on every Linux this runs on. */
export const CLOCK_TICKS_PER_S = 100;

/**
 * utime + stime of one /proc/<pid>/stat line, in clock ticks. The command name (field 2) is in parentheses and
 * may hold spaces and parentheses itself, so the fields are counted from the last ')'.
 */
export function parseProcessTicks(statLine: string): number {
  const end = statLine.lastIndexOf(')');
  if (end < 0) throw new Error(`not a /proc/<pid>/stat line: '${statLine.slice(0, 80)}'`);
  // After ')': field 3 (state) is at index 0, so field n is at index n - 3; utime is field 14, stime 15.
  const fields = statLine.slice(end + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(`no utime/stime in /proc/<pid>/stat line: '${statLine.slice(0, 80)}'`);
  }
  return utime + stime;
}

/** Busy and total ticks of the `cpu` line of /proc/stat (idle and iowait count as not busy). */
export function parseMachineTicks(procStat: string): { busy: number; total: number } {
  const line = procStat.split('\n').find((one) => one.startsWith('cpu '));
  if (!line) throw new Error('no cpu line in /proc/stat');
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest times are already inside user and nice)
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU % (100 = one core) of ticks used over an interval. */
export function cpuPercent(ticks: number, intervalMs: number): number {
  return intervalMs <= 0 ? 0 : (ticks / CLOCK_TICKS_PER_S / (intervalMs / 1000)) * 100;
}

export function readProcessTicks(pid: number): number | undefined {
  try {
    return parseProcessTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function readMachineTicks(): { busy: number; total: number } {
  return parseMachineTicks(readFileSync('/proc/stat', 'utf8'));
}

/** Pids whose command name (/proc/<pid>/comm) or command line matches; read-only, nothing is signalled. */
export function findPids(matches: (comm: string, cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (matches(comm, cmdline)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}
