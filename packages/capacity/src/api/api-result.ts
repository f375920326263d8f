// The API step's figures from what the client counted in its window, and the verdict against issue 17's target:
// latest-value p99 < 10 ms at 1,000 req/s while ingesting at half the sustained maximum. Pure.
import { summarize, type LatencySummary } from '../percentiles';
import type { ApiWindowCounts } from './protocol';

/** Issue 17's acceptance: the latest-value p99 while ingesting. */
export const API_P99_TARGET_MS = 10;
/** Answers must reach this share of the asked rate, as stored must reach it of sent in a load step. */
export const ANSWERED_SHARE = 0.98;

export interface ApiFigures {
  readonly askedPerS: number;
  readonly sentPerS: number;
  readonly answeredPerS: number;
  /** Answers that were not 2xx, connection errors and timeouts, in the window. */
  readonly non2xx: number;
  readonly errors: number;
  /** 2xx answers with fewer values than asked for. */
  readonly incomplete: number;
  readonly skipped: number;
  readonly latency: LatencySummary;
  readonly lastError: string;
}

export function apiFigures(askedPerS: number, counts: ApiWindowCounts): ApiFigures {
  const perS = (n: number) => (counts.seconds > 0 ? n / counts.seconds : 0);
  return {
    askedPerS,
    sentPerS: perS(counts.sent),
    answeredPerS: perS(counts.answered - counts.non2xx),
    non2xx: counts.non2xx,
    errors: counts.errors,
    incomplete: counts.incomplete,
    skipped: counts.skipped,
    latency: summarize(counts.latenciesMs),
    lastError: counts.lastError,
  };
}

export interface ApiVerdict {
  readonly met: boolean;
  /** Why not, in a few words; empty when met. */
  readonly why: string;
}

/**
 * Met when the p99 is under the target, the asked rate was answered with 2xx (at least 98 %), every answer held
 * the values asked for, and the ingestion beside it was sustained: a fast answer of an idle or failing gateway,
 * or while ingestion falls behind, is no answer to the question.
 */
export function apiVerdict(
  figures: ApiFigures,
  ingestSustained: boolean,
  targetP99Ms = API_P99_TARGET_MS,
): ApiVerdict {
  const reasons: string[] = [];
  if (figures.latency.count === 0) reasons.push('no answers');
  else if (!(figures.latency.p99 < targetP99Ms)) reasons.push(`p99 >= ${targetP99Ms} ms`);
  if (figures.answeredPerS < ANSWERED_SHARE * figures.askedPerS) reasons.push('rate not answered');
  if (figures.non2xx + figures.errors > 0) reasons.push('failed requests');
  if (figures.incomplete > 0) reasons.push('values missing');
  if (!ingestSustained) reasons.push('ingest not sustained');
  return { met: reasons.length === 0, why: reasons.join(', ') };
}
