// Live OEE for the APIs (docs/architecture.md section 7: "live OEE per asset" in Redis): the open hour, shift, order and day
// of each asset so far, replaced on every change. Redis in production, memory in the embedded mode and tests.
import { OeeResult, type OeeWindowKind } from '@kiln/contracts';
import type { Redis } from 'ioredis';
import { kindName } from './window-kind';

export interface LiveOee {
  /** Stores the result of an open window unless a result computed later is stored. */
  set(result: OeeResult): Promise<void>;
  get(assetId: string, kind: OeeWindowKind): Promise<OeeResult | undefined>;
  close(): Promise<void>;
}

export class MemoryLiveOee implements LiveOee {
  private readonly entries = new Map<string, OeeResult>();

  async set(result: OeeResult): Promise<void> {
    const key = `${result.assetId}:${kindName(result.windowKind)}`;
    const current = this.entries.get(key);
    if (current === undefined || current.computedTimeUs <= result.computedTimeUs)
      this.entries.set(key, result);
  }

  async get(assetId: string, kind: OeeWindowKind): Promise<OeeResult | undefined> {
    return this.entries.get(`${assetId}:${kindName(kind)}`);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}

/** Key `<prefix>oee:<assetId>:<HOUR|SHIFT|ORDER|DAY>`: the OeeResult as protobuf JSON, expiring after a day. */
export class RedisLiveOee implements LiveOee {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix = 'kiln:',
  ) {}

  private key(assetId: string, kind: OeeWindowKind): string {
    return `${this.keyPrefix}oee:${assetId}:${kindName(kind)}`;
  }

  async set(result: OeeResult): Promise<void> {
    await this.redis.set(
      this.key(result.assetId, result.windowKind),
      JSON.stringify(OeeResult.toJSON(result)),
      'EX',
      86_400,
    );
  }

  async get(assetId: string, kind: OeeWindowKind): Promise<OeeResult | undefined> {
    const raw = await this.redis.get(this.key(assetId, kind));
    return raw === null ? undefined : OeeResult.fromJSON(JSON.parse(raw));
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
