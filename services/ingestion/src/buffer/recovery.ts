// What a previous run left in the store-and-forward directory: the acknowledged cursor and every segment. A torn
// write at the end of a segment (a crash mid-append) is cut off; a corrupt frame inside one costs that frame only:
// reading resumes at the next frame whose length and checksum check out and whose id follows.
import { chmod, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@kiln/service-kit';
import { FILE_MODE, readCursorFile } from './cursor-file';
import { decodeFrame, findNextFrame } from './framing';

export const SEGMENT_SUFFIX = '.seg';

export interface RecoveredSegment {
  readonly baseId: number;
  readonly path: string;
  bytes: number;
  lastId: number;
  samples: number;
}

export interface Recovered {
  segments: RecoveredSegment[];
  ackedId: number;
  unackedSamples: number;
  /** Corrupt frames passed over (frames lost, as far as ids tell) and the bytes skipped or cut off. */
  corruptFrames: number;
  corruptBytes: number;
}

export async function recover(directory: string, logger: Logger): Promise<Recovered> {
  const ackedId = await readCursorFile(directory);
  const names = (await readdir(directory))
    .filter((name) => name.endsWith(SEGMENT_SUFFIX))
    .sort((a, b) => Number(a.slice(0, -SEGMENT_SUFFIX.length)) - Number(b.slice(0, -SEGMENT_SUFFIX.length)));
  const recovered: Recovered = {
    segments: [],
    ackedId,
    unackedSamples: 0,
    corruptFrames: 0,
    corruptBytes: 0,
  };
  for (const name of names) {
    const path = join(directory, name);
    const baseId = Number(name.slice(0, -SEGMENT_SUFFIX.length));
    // Segments of earlier versions were created with the umask's mode.
    await chmod(path, FILE_MODE);
    const scanned = scanSegment(await readFile(path), baseId);
    if (scanned.corruptFrames > 0 || scanned.corruptBytes > 0) {
      logger.warn(
        {
          segment: path,
          corruptFrames: scanned.corruptFrames,
          corruptBytes: scanned.corruptBytes,
          tornTailAt: scanned.validBytes,
        },
        'store-and-forward segment holds corrupt frames: skipped them, reading on after them',
      );
    }
    recovered.corruptFrames += scanned.corruptFrames;
    recovered.corruptBytes += scanned.corruptBytes;
    if (scanned.validBytes < scanned.fileBytes) await truncate(path, scanned.validBytes);
    if (scanned.lastId <= ackedId) {
      await rm(path, { force: true });
      continue;
    }
    recovered.unackedSamples += scanned.samplesAfter(ackedId);
    recovered.segments.push({
      baseId,
      path,
      bytes: scanned.validBytes,
      lastId: scanned.lastId,
      samples: scanned.samples,
    });
  }
  if (recovered.segments.length > 0) {
    const entries = recovered.segments.reduce(
      (sum, s) => sum + (s.lastId - Math.max(s.baseId, ackedId + 1) + 1),
      0,
    );
    logger.info(
      { entries, samples: recovered.unackedSamples, segments: recovered.segments.length },
      'store-and-forward buffer holds entries from a previous run; sending them first',
    );
  }
  return recovered;
}

interface ScannedSegment {
  fileBytes: number;
  /** Where the last whole frame ends: what follows is a torn write, cut off. */
  validBytes: number;
  lastId: number;
  samples: number;
  corruptFrames: number;
  corruptBytes: number;
  samplesAfter(ackedId: number): number;
}

/** Walks a segment's frames, passing over corrupt ones to the next frame that checks out. */
export function scanSegment(data: Buffer, baseId: number): ScannedSegment {
  let offset = 0;
  let lastId = baseId - 1;
  let samples = 0;
  let corruptFrames = 0;
  let corruptBytes = 0;
  const samplesById: { id: number; samples: number }[] = [];
  while (offset < data.length) {
    const result = decodeFrame(data, offset);
    if (result.kind === 'entry' && result.entry.id === lastId + 1) {
      lastId = result.entry.id;
      samples += result.entry.samples;
      samplesById.push({ id: lastId, samples: result.entry.samples });
      offset += result.bytes;
      continue;
    }
    const next = findNextFrame(data, offset + 1, lastId);
    if (next === undefined) {
      // Nothing whole follows: a torn write at a crash (or corruption at the very end).
      corruptBytes += data.length - offset;
      if (result.kind === 'corrupt') corruptFrames += 1;
      break;
    }
    corruptBytes += next.offset - offset;
    corruptFrames += Math.max(1, next.entry.id - lastId - 1);
    offset = next.offset;
    lastId = next.entry.id - 1;
  }
  const validBytes = Math.min(offset, data.length);
  return {
    fileBytes: data.length,
    validBytes,
    lastId,
    samples,
    corruptFrames,
    corruptBytes,
    samplesAfter: (ackedId) =>
      samplesById.reduce((sum, entry) => (entry.id > ackedId ? sum + entry.samples : sum), 0),
  };
}
