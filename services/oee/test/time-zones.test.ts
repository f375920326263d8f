// Sites in different time zones in one deployment: each site's hours, days and calendar shifts follow its own wall
// clock with daylight saving (the site's attributes.timeZone, else oee.timeZone), through the service's own engine
// over real PostgreSQL; an unknown zone is refused when the configuration loads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '@kiln/bus';
import { OeeWindowKind } from '@kiln/contracts';
import { deploymentTimeZone, oeeSectionSchema } from '@kiln/oee-store';
import { ConfigError } from '@kiln/service-kit';
import { describeWith } from '@kiln/test-infra';
import { HistorianWriter } from '@kiln/timeseries';
import { loadOeeConfig } from '../src/config';
import { testDatabase, type TestDatabase } from './support/db';
import { OEE_TOPICS, startService, type RunningOee } from './support/service';

const HOUR_US = 3_600_000_000;
const utcUs = (iso: string): number => Date.parse(iso) * 1000;
const iso = (us: number): string => new Date(us / 1000).toISOString().replace('.000', '');

const CALENDAR_YAML = `calendars:
  - shifts:
      - { name: night, start: '22:00', end: '06:00', days: [sun, mon, tue, wed, thu, fri, sat] }
`;

describe('the deployment time zone', () => {
  it('refuses an unknown oee.timeZone at load, naming the key and the value', () => {
    const load = (): unknown => loadOeeConfig(undefined, { KILN_OEE_TIME_ZONE: 'Europe/Berlinn' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/oee\.timeZone.*"Europe\/Berlinn" is not an IANA time zone/s);
  });

  it('reads oee.timeZone, else the deprecated utcOffsetMinutes as a fixed zone, else UTC', () => {
    const load = (env: Record<string, string>) => loadOeeConfig(undefined, env).oee;
    expect(deploymentTimeZone(load({ KILN_OEE_TIME_ZONE: 'America/Chicago' }))).toBe('America/Chicago');
    expect(deploymentTimeZone(load({ KILN_OEE_UTC_OFFSET_MINUTES: '60' }))).toBe('+01:00');
    expect(deploymentTimeZone(load({ KILN_OEE_UTC_OFFSET_MINUTES: '-330' }))).toBe('-05:30');
    expect(deploymentTimeZone(oeeSectionSchema.parse({}))).toBe('UTC');
  });
});

describeWith(['postgres'], 'sites in different time zones', () => {
  let database: TestDatabase;
  let oee: RunningOee;
  let dir: string;
  const berlin = 'acme/berlin/press-1';
  const chicago = 'acme/chicago/press-1';
  const linz = 'acme/linz/press-1';

  beforeAll(async () => {
    database = await testDatabase();
    await new HistorianWriter(database.db, { schema: database.schema }).upsertAssets([
      { id: 'acme', level: 'enterprise', name: 'acme' },
      {
        id: 'acme/berlin',
        parentId: 'acme',
        level: 'site',
        name: 'berlin',
        attributes: { timeZone: 'Europe/Berlin' },
      },
      {
        id: 'acme/chicago',
        parentId: 'acme',
        level: 'site',
        name: 'chicago',
        attributes: { timeZone: 'America/Chicago' },
      },
      { id: 'acme/linz', parentId: 'acme', level: 'site', name: 'linz' },
      { id: berlin, parentId: 'acme/berlin', level: 'asset', name: 'press-1' },
      { id: chicago, parentId: 'acme/chicago', level: 'asset', name: 'press-1' },
      { id: linz, parentId: 'acme/linz', level: 'asset', name: 'press-1' },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'oee-zones-'));
    writeFileSync(join(dir, 'shifts.yaml'), CALENDAR_YAML);
    const bus = new InProcessBus({ service: 'oee-test', drainTimeoutMs: 1_000 });
    await bus.provision(OEE_TOPICS);
    oee = await startService({
      bus,
      db: database.db,
      schema: database.schema,
      now: () => Date.parse('2026-12-01T00:00:00Z'),
      // The site without a zone of its own takes the deployment's.
      section: { calendarFile: join(dir, 'shifts.yaml'), timeZone: 'Europe/Vienna' },
    });
  });
  afterAll(async () => {
    await oee.lifecycle.stopAll();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function windows(assetId: string, fromIso: string, toIso: string, kind: OeeWindowKind) {
    const nowUs = utcUs('2026-12-01T00:00:00Z');
    const range = { fromUs: utcUs(fromIso), toUs: utcUs(toIso) };
    const all = await oee.service.engine.windowsOf(assetId, [range], nowUs);
    return all
      .filter((window) => window.kind === kind)
      .sort((a, b) => a.startUs - b.startUs)
      .map((window) => `${window.ref} ${iso(window.startUs)} ${(window.endUs - window.startUs) / HOUR_US}h`);
  }

  it('gives each site its own night shifts across the spring switches (7 h nights)', async () => {
    const shift = OeeWindowKind.OEE_WINDOW_KIND_SHIFT;
    expect(await windows(berlin, '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z', shift)).toEqual([
      'night@2026-03-28 2026-03-28T21:00:00Z 7h',
    ]);
    expect(await windows(chicago, '2026-03-08T00:00:00Z', '2026-03-08T12:00:00Z', shift)).toEqual([
      'night@2026-03-07 2026-03-08T04:00:00Z 7h',
    ]);
    expect(await windows(linz, '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z', shift)).toEqual([
      'night@2026-03-28 2026-03-28T21:00:00Z 7h',
    ]);
  });

  it('gives each site its own night shifts across the autumn switches (9 h nights)', async () => {
    const shift = OeeWindowKind.OEE_WINDOW_KIND_SHIFT;
    expect(await windows(berlin, '2026-10-24T21:00:00Z', '2026-10-25T04:00:00Z', shift)).toEqual([
      'night@2026-10-24 2026-10-24T20:00:00Z 9h',
    ]);
    expect(await windows(chicago, '2026-11-01T04:00:00Z', '2026-11-01T11:00:00Z', shift)).toEqual([
      'night@2026-10-31 2026-11-01T03:00:00Z 9h',
    ]);
  });

  it('cuts days at each site’s local midnight: 23 h and 25 h on the switch days', async () => {
    const day = OeeWindowKind.OEE_WINDOW_KIND_DAY;
    expect(await windows(berlin, '2026-03-29T12:00:00Z', '2026-03-29T13:00:00Z', day)).toEqual([
      ' 2026-03-28T23:00:00Z 23h',
    ]);
    expect(await windows(chicago, '2026-11-01T12:00:00Z', '2026-11-01T13:00:00Z', day)).toEqual([
      ' 2026-11-01T05:00:00Z 25h',
    ]);
  });

  it('computes a shift window over its 7 hours of calendar time and names the zone in the result', async () => {
    const startUs = utcUs('2026-03-28T21:00:00Z');
    const [result] = await oee.service.engine.computeAll(
      berlin,
      [
        {
          kind: OeeWindowKind.OEE_WINDOW_KIND_SHIFT,
          startUs,
          endUs: startUs + 7 * HOUR_US,
          ref: 'night@2026-03-28',
        },
      ],
      utcUs('2026-12-01T00:00:00Z'),
    );
    expect(result).toMatchObject({ calendarTimeS: 7 * 3600, timeZone: 'Europe/Berlin' });
  });
});
