// Work on an asset's inputs and windows one at a time, work on different assets side by side: batches of
// different partitions (and of the state and count topics of one partition) run concurrently unless they share
// an asset, so the database works on one batch while the core computes another. First come, first served: a
// request waits behind every earlier one it shares an asset with, so the closing timer (all assets) is not starved.
type Claim = ReadonlySet<string> | 'all';

interface Request {
  readonly claim: Claim;
  readonly start: () => void;
}

function conflicts(a: Claim, b: Claim): boolean {
  if (a === 'all' || b === 'all') return true;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const assetId of small) if (large.has(assetId)) return true;
  return false;
}

export class AssetLocks {
  private readonly running = new Set<Claim>();
  private readonly waiting: Request[] = [];

  /** Runs `work` once no earlier or running work holds any of the assets ('all': every asset). */
  async run<T>(assets: Iterable<string> | 'all', work: () => Promise<T>): Promise<T> {
    const claim: Claim = assets === 'all' ? 'all' : new Set(assets);
    await new Promise<void>((start) => {
      this.waiting.push({ claim, start });
      this.startReady();
    });
    try {
      return await work();
    } finally {
      this.running.delete(claim);
      this.startReady();
    }
  }

  private startReady(): void {
    const blocked: Claim[] = [];
    for (let i = 0; i < this.waiting.length;) {
      const request = this.waiting[i];
      if (request === undefined) break;
      const free = ![...this.running, ...blocked].some((held) => conflicts(held, request.claim));
      if (free) {
        this.waiting.splice(i, 1);
        this.running.add(request.claim);
        request.start();
      } else {
        blocked.push(request.claim);
        i += 1;
      }
    }
  }
}
