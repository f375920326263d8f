// The pure parts: configuration, merging of rollup ranges, rejection categories, unmapped merging.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@kiln/service-kit';
import { loadNormalizationConfig } from '../src/config';
import { mergeUnmapped } from '@kiln/asset-model';
import { closedMinutesEndUs, mergeNearbyRanges, splitAtClosed } from '../src/rollup-refresh';
import { rejectCategory } from '../src/sample-log';

const HOUR_US = 3_600_000_000;

describe('the configuration', () => {
  it('takes the database, Redis and plant file from KILN_* variables, with defaults for the rest', () => {
    const config = loadNormalizationConfig(undefined, {
      KILN_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/kiln',
      KILN_REDIS_URL: 'redis://127.0.0.1:6379',
      KILN_PLANT_FILE: '/etc/kiln/plant.yaml',
    });
    expect(config.database).toMatchObject({
      url: 'postgres://postgres@127.0.0.1:5432/kiln',
      schema: 'kiln',
      migrateOnStart: true,
    });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'kiln:' });
    expect(config.normalization).toMatchObject({
      plantFile: '/etc/kiln/plant.yaml',
      reloadOnChange: true,
      groupId: 'normalization',
      maxBatchSize: 500,
      maxClockSkewMs: 300_000,
      rollupRefresh: { enabled: true, intervalMs: 15_000 },
    });
  });

  it('names the file, line and key of a bad value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-config-'));
    const file = join(dir, 'normalization.yaml');
    writeFileSync(file, 'normalization:\n  plantFile: plant.yaml\n  maxBatchSize: many\n');
    expect(() => loadNormalizationConfig(file, {})).toThrow(ConfigError);
    expect(() => loadNormalizationConfig(file, {})).toThrow(`${file}:3:17 normalization.maxBatchSize`);
  });

  it('requires the plant file', () => {
    expect(() => loadNormalizationConfig(undefined, {})).toThrow(/normalization/);
  });
});

describe('rollup ranges', () => {
  it('joins overlapping and close ranges and keeps distant ones apart', () => {
    expect(
      mergeNearbyRanges(
        [
          { fromUs: 10 * HOUR_US, toUs: 10 * HOUR_US + 5 },
          { fromUs: 0, toUs: 100 },
          { fromUs: 50, toUs: 2_000 },
          { fromUs: HOUR_US, toUs: HOUR_US + 1 },
        ],
        HOUR_US,
      ),
    ).toEqual([
      { fromUs: 0, toUs: HOUR_US + 1 },
      { fromUs: 10 * HOUR_US, toUs: 10 * HOUR_US + 5 },
    ]);
  });
});

describe('closed minutes', () => {
  const MINUTE_US = 60_000_000;

  it('end where the last minute ended at least the grace ago', () => {
    expect(closedMinutesEndUs(10 * MINUTE_US + 9_999_999, 10_000_000)).toBe(9 * MINUTE_US);
    expect(closedMinutesEndUs(10 * MINUTE_US + 10_000_000, 10_000_000)).toBe(10 * MINUTE_US);
  });

  it('split a range into the part to refresh and the part still open', () => {
    const end = 10 * MINUTE_US;
    expect(splitAtClosed({ fromUs: 0, toUs: end - 1 }, end)).toEqual({
      closed: { fromUs: 0, toUs: end - 1 },
      open: undefined,
    });
    expect(splitAtClosed({ fromUs: end - 5, toUs: end + 5 }, end)).toEqual({
      closed: { fromUs: end - 5, toUs: end - 1 },
      open: { fromUs: end, toUs: end + 5 },
    });
    expect(splitAtClosed({ fromUs: end, toUs: end }, end)).toEqual({
      closed: undefined,
      open: { fromUs: end, toUs: end },
    });
  });
});

describe('rejected samples', () => {
  it('are counted under a bounded category, not their free-text reason', () => {
    expect(rejectCategory('a counter reading must be a number >= 0, got -3')).toBe('bad-counter-reading');
    expect(rejectCategory("a string value cannot feed number signal 'temperature'")).toBe('wrong-type');
    expect(rejectCategory('the sample has no value')).toBe('no-value');
  });
});

describe('unmapped tags of several partitions', () => {
  it('are merged per source and tag, most frequent first', () => {
    const tag = {
      sourceId: 's',
      tag: 't',
      reason: 'no-rule' as const,
      detail: '',
      count: 2,
      firstSeenUs: 5,
      lastSeenUs: 9,
    };
    expect(
      mergeUnmapped([
        tag,
        { ...tag, tag: 'u', count: 1 },
        { ...tag, count: 3, firstSeenUs: 1, lastSeenUs: 7 },
      ]),
    ).toEqual([
      { ...tag, count: 5, firstSeenUs: 1, lastSeenUs: 9 },
      { ...tag, tag: 'u', count: 1 },
    ]);
  });
});
