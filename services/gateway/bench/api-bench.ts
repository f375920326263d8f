// npm run bench:api: requests/s and p99 latency of the REST OEE and telemetry queries, served by the gateway over
// PostgreSQL on this machine, driven by autocannon (HTTP/1.1 keep-alive, 10 connections, 10 s per query).
// Data: 10 assets with 30 days of states (20 changes a day), hourly counts, 3 shifts a day, and one signal per
// asset sampled every 10 s for the 30 days (2.6 million rows).
// Settings (env): KILN_DATABASE_URL, KILN_BENCH_DURATION_S (10), KILN_BENCH_CONNECTIONS (10).
import { randomBytes } from 'node:crypto';
import { InProcessBus } from '@kiln/bus';
import { oeeSectionSchema } from '@kiln/oee-store';
import { createLogger, createMetricsRegistry } from '@kiln/service-kit';
import {
  analyticsSchemaName,
  HistorianWriter,
  migrate,
  PgDatabase,
  type CanonicalState,
} from '@kiln/timeseries';
import autocannon from 'autocannon';
// The service's own modules as built: a bench drives what ships (dist/), and it lives beside src/ so that
// dist/ holds no bench.
import { createGatewayApi } from '../dist/api';
import { ApiKeyStore } from '../dist/auth/api-keys';
import { Authenticator } from '../dist/auth/authenticator';
import { gatewaySectionSchema } from '../dist/config';
import { buildRestServer } from '../dist/rest/server';

const env = process.env;
const url = env['KILN_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DURATION_S = Number(env['KILN_BENCH_DURATION_S'] ?? 10);
const CONNECTIONS = Number(env['KILN_BENCH_CONNECTIONS'] ?? 10);
const ASSETS = 10;
const DAYS = 30;
const HOUR_US = 3_600_000_000;
const DAY_US = 24 * HOUR_US;
const START_US = Date.UTC(2026, 0, 5) * 1000;
const STATES: CanonicalState[] = [
  'RUNNING',
  'IDLE',
  'RUNNING',
  'BREAKDOWN',
  'RUNNING',
  'CHANGEOVER',
  'RUNNING',
  'STARVED',
];
const iso = (us: number): string => new Date(us / 1000).toISOString();
const assetId = (i: number): string => `bench/plant-1/line-1/m${i}`;

async function seed(writer: HistorianWriter): Promise<void> {
  await writer.upsertAssets([
    { id: 'bench', level: 'enterprise', name: 'bench' },
    { id: 'bench/plant-1', parentId: 'bench', level: 'site', name: 'plant' },
    { id: 'bench/plant-1/line-1', parentId: 'bench/plant-1', level: 'line', name: 'line' },
    ...Array.from({ length: ASSETS }, (_, i) => ({
      id: assetId(i),
      parentId: 'bench/plant-1/line-1',
      level: 'asset' as const,
      name: `m${i}`,
    })),
  ]);
  for (let a = 0; a < ASSETS; a += 1) {
    const states = Array.from({ length: DAYS * 20 }, (_, k) => ({
      assetId: assetId(a),
      timeUs: START_US + k * (DAY_US / 20) + ((a * 7919 + k * 104_729) % 600) * 1_000_000,
      state: STATES[k % STATES.length] ?? 'RUNNING',
    }));
    await writer.writeStates(states);
    await writer.writeCounts(
      Array.from({ length: DAYS * 24 }, (_, h) => ({
        assetId: assetId(a),
        timeUs: START_US + (h + 1) * HOUR_US - 1,
        totalCount: 300 + ((a + h) % 17),
        goodCount: 295 + ((a + h) % 17),
        scrapCount: 5,
        orderId: '',
      })),
    );
    const samples = (DAYS * DAY_US) / 10_000_000;
    for (let from = 0; from < samples; from += 50_000) {
      await writer.writeNamedTelemetry(
        Array.from({ length: Math.min(50_000, samples - from) }, (_, k) => ({
          signal: { assetId: assetId(a), name: 'temperature', unit: 'Cel' },
          timeUs: START_US + (from + k) * 10_000_000,
          value: 40 + Math.sin((from + k) / 500) * 5,
          valueText: null,
          quality: 1,
        })),
      );
    }
  }
}

async function measure(name: string, base: string, paths: string[], token: string): Promise<void> {
  let next = 0;
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: `Bearer ${token}` },
    requests: [
      {
        setupRequest: (request) => {
          const path = paths[next % paths.length] ?? '/';
          next += 1;
          return { ...request, path };
        },
      },
    ],
  });
  const errors = result.non2xx + result.errors;
  console.log(
    `${name.padEnd(44)} ${result.requests.average.toFixed(0).padStart(6)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(5)} ms   (${result.requests.total} requests${errors > 0 ? `, ${errors} failed` : ''})`,
  );
}

async function main(): Promise<void> {
  const schema = `bench_api_${randomBytes(4).toString('hex')}`;
  const db = new PgDatabase({ connectionString: url, maxConnections: 8 });
  const logger = createLogger({ service: 'bench-api', level: 'warn' });
  try {
    await migrate(db, { schema });
    const seeding = performance.now();
    await seed(new HistorianWriter(db, { schema }));
    console.log(
      `seeded ${ASSETS} assets x ${DAYS} days in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );
    const calendarShifts = {
      calendars: [
        {
          assetPrefix: '',
          shifts: [
            {
              name: 'early',
              start: '06:00',
              end: '14:00',
              days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
              breaks: [],
            },
            {
              name: 'late',
              start: '14:00',
              end: '22:00',
              days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
              breaks: [],
            },
            {
              name: 'night',
              start: '22:00',
              end: '06:00',
              days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
              breaks: [],
            },
          ],
        },
      ],
    };
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const calendarFile = join(mkdtempSync(join(tmpdir(), 'kiln-bench-')), 'shifts.yaml');
    writeFileSync(calendarFile, JSON.stringify(calendarShifts));
    const section = gatewaySectionSchema.parse({ rateLimit: { max: 0 } });
    const keys = new ApiKeyStore(db, schema);
    const token = (await keys.create('*', 'reader')).token;
    const bus = new InProcessBus({ service: 'bench-api' });
    const app = await buildRestServer({
      api: createGatewayApi({
        db,
        schema,
        bus,
        live: undefined,
        oeeSection: oeeSectionSchema.parse({ calendarFile }),
        section,
        authenticator: new Authenticator(keys),
      }),
      section,
      logger,
      registry: createMetricsRegistry({ service: 'bench-api', processMetrics: false }),
      version: 'bench',
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const days = (asset: number, day: number, n: number): string =>
      `from=${iso(START_US + day * DAY_US)}&to=${iso(START_US + (day + n) * DAY_US)}&assetId=${encodeURIComponent(assetId(asset))}`;
    const spread = (make: (asset: number, day: number) => string): string[] =>
      Array.from({ length: 50 }, (_, k) => make(k % ASSETS, (k * 7) % (DAYS - 7)));
    const signal = (asset: number): string => encodeURIComponent(`${assetId(asset)}/temperature`);
    console.log(`${CONNECTIONS} connections, ${DURATION_S} s per query, ${ASSETS} assets, varied ranges:`);
    await measure(
      'GET /api/v1/oee one shift (granularity none)',
      base,
      spread(
        (a, d) =>
          `/api/v1/oee?${days(a, d, 1).replace(/to=[^&]+/, `to=${iso(START_US + d * DAY_US + 8 * HOUR_US)}`)}`,
      ),
      token,
    );
    await measure(
      'GET /api/v1/oee one day per hour (24 windows)',
      base,
      spread((a, d) => `/api/v1/oee?${days(a, d, 1)}&granularity=hour`),
      token,
    );
    await measure(
      'GET /api/v1/oee a week per shift (21 windows)',
      base,
      spread((a, d) => `/api/v1/oee?${days(a, d, 7)}&granularity=shift`),
      token,
    );
    await measure(
      'GET /api/v1/telemetry 1 h raw, 1 min buckets',
      base,
      spread(
        (a, d) =>
          `/api/v1/telemetry?signal=${signal(a)}&from=${iso(START_US + d * DAY_US)}&to=${iso(START_US + d * DAY_US + HOUR_US)}&bucket=1m`,
      ),
      token,
    );
    await measure(
      'GET /api/v1/telemetry 1 day raw, 15 min buckets',
      base,
      spread(
        (a, d) =>
          `/api/v1/telemetry?signal=${signal(a)}&from=${iso(START_US + d * DAY_US)}&to=${iso(START_US + (d + 1) * DAY_US)}&bucket=15m`,
      ),
      token,
    );
    await measure(
      'GET /api/v1/telemetry/latest',
      base,
      spread((a) => `/api/v1/telemetry/latest?signal=${signal(a)}`),
      token,
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // autocannon's last requests end
    await app.close();
    await bus.close();
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.query(`DROP SCHEMA IF EXISTS "${analyticsSchemaName(schema)}" CASCADE`).catch(() => undefined);
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
