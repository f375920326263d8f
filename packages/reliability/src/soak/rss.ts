// Resident memory of a process from /proc/<pid>/status (VmRSS), and the summary the soak judges.
import { readFile } from 'node:fs/promises';

/** VmRSS in bytes, or undefined once the process is gone. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

export interface RssSample {
  /** Ms since the load started. */
  readonly atMs: number;
  readonly bytes: number;
}

/** The median of the samples in [fromMs, toMs); undefined when there are none. */
export function medianBetween(
  samples: readonly RssSample[],
  fromMs: number,
  toMs: number,
): number | undefined {
  const inside = samples
    .filter((sample) => sample.atMs >= fromMs && sample.atMs < toMs)
    .map((sample) => sample.bytes)
    .sort((a, b) => a - b);
  if (inside.length === 0) return undefined;
  const middle = Math.floor(inside.length / 2);
  const upper = inside[middle] ?? 0;
  return inside.length % 2 === 1 ? upper : ((inside[middle - 1] ?? upper) + upper) / 2;
}

export function mebibytes(bytes: number | undefined): string {
  return bytes === undefined ? '-' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
