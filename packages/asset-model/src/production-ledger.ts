// Turns counter increments of one asset into total / good / scrap counts (kiln.production-count.v1).
// Which counters an asset has decides what is measured and what is derived (total = good + scrap):
//   total + good + reject: all three as counted      total + reject: good = total - scrap
//   good + reject: total = good + scrap               total + good:   both as counted, scrap 0 (see below)
//   only total: good = total                          only good:      total = good
//   only reject: total = scrap, good = 0
// Counters are read at different moments, so a reject may be counted before the total that contains it; such a
// part is carried (`pendingScrap`) and subtracted from the next total increments, never making a count negative.
// With total + good no such carry converges (a late good part cannot take back scrap already reported), so scrap
// stays 0 there and quality = good / total still holds over any window.
import type { CounterRole } from './mapping';

export interface ProductionLedger {
  /** Counter roles this asset has had a reading for. */
  roles: Set<CounterRole>;
  /** Scrap counted that no total increment has absorbed yet (total + reject assets). */
  pendingScrap: number;
}

export interface CounterIncrements {
  total: number;
  good: number;
  reject: number;
}

export interface ProductionCounts {
  readonly totalCount: number;
  readonly goodCount: number;
  readonly scrapCount: number;
}

export function emptyLedger(): ProductionLedger {
  return { roles: new Set(), pendingScrap: 0 };
}

export function deriveCounts(ledger: ProductionLedger, increments: CounterIncrements): ProductionCounts {
  const has = (role: CounterRole): boolean => ledger.roles.has(role);
  const { total, good, reject } = increments;
  if (has('total-counter') && has('good-counter') && has('reject-counter')) {
    return { totalCount: total, goodCount: good, scrapCount: reject };
  }
  if (has('total-counter') && has('reject-counter')) {
    const absorbed = Math.min(total, ledger.pendingScrap + reject);
    ledger.pendingScrap = ledger.pendingScrap + reject - absorbed;
    return { totalCount: total, goodCount: total - absorbed, scrapCount: reject };
  }
  if (has('total-counter') && has('good-counter'))
    return { totalCount: total, goodCount: good, scrapCount: 0 };
  if (has('good-counter') && has('reject-counter')) {
    return { totalCount: good + reject, goodCount: good, scrapCount: reject };
  }
  if (has('total-counter')) return { totalCount: total, goodCount: total, scrapCount: 0 };
  if (has('good-counter')) return { totalCount: good, goodCount: good, scrapCount: 0 };
  return { totalCount: reject, goodCount: 0, scrapCount: reject };
}
