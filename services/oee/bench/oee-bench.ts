// npm run bench:oee, two figures:
// 1. OEE for 100 assets over one simulated year of states and counts, computed from the database (PostgreSQL):
//    the year's window of every asset, read and computed by the service's engine, in seconds.
// 2. Events/s the streaming service sustains: state changes and count deltas for a set of assets published to
//    Kafka first, then consumed by startOee (store, recompute the affected windows, publish) until all are done.
// Settings (env): KILN_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), KAFKA_BROKERS (127.0.0.1:9092),
// KILN_BENCH_ASSETS (100), KILN_BENCH_DAYS (365), KILN_BENCH_STREAM_EVENTS (20000).
import { randomBytes } from 'node:crypto';
import { KafkaBus } from '@kiln/bus';
import {
  encodeEvent,
  eventTopics,
  MachineState,
  OeeWindowKind,
  topics,
  type MachineStateEvent,
  type ProductionCountBatch,
} from '@kiln/contracts';
import { UTC_ZONE } from '@kiln/oee';
import { MemoryLiveOee, OeeEngine, OeeStore, oeeSectionSchema, type ShiftCalendar } from '@kiln/oee-store';
import { createLogger, createMetricsRegistry, manualLifecycle } from '@kiln/service-kit';
import { HistorianWriter, migrate, PgDatabase } from '@kiln/timeseries';
// The service's own modules as built: a bench drives what ships (dist/), and it lives beside src/ so that
// dist/ holds no bench.
import { OEE_SERVICE_TOPICS, startOee } from '../dist/oee-service';

const env = process.env;
const int = (name: string, fallback: number): number => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const url = env['KILN_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const brokers = (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const ASSETS = int('KILN_BENCH_ASSETS', 100);
const DAYS = int('KILN_BENCH_DAYS', 365);
const STREAM_EVENTS = int('KILN_BENCH_STREAM_EVENTS', 20_000);
const HOUR_US = 3_600_000_000;
const DAY_US = 24 * HOUR_US;
const YEAR_START_US = Date.UTC(2025, 0, 1) * 1000;
const logger = createLogger({ service: 'bench-oee', level: 'warn' });

const calendars: ShiftCalendar[] = [
  {
    assetPrefix: '',
    shifts: ['06:00-14:00', '14:00-22:00', '22:00-06:00'].map((span, i) => {
      const [start = '', end = ''] = span.split('-');
      return {
        name: `shift-${i + 1}`,
        start,
        end,
        days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
        breaks: [],
      };
    }),
  },
];

/** A deterministic day of an asset: 20 state changes and 24 hourly counts. */
function day(
  assetId: string,
  dayStartUs: number,
  seed: number,
): { states: MachineStateEvent[]; counts: ProductionCountBatch } {
  let x = seed;
  const random = (): number => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
  const stops = [
    MachineState.MACHINE_STATE_IDLE,
    MachineState.MACHINE_STATE_BREAKDOWN,
    MachineState.MACHINE_STATE_CHANGEOVER,
  ];
  const states: MachineStateEvent[] = [];
  for (let i = 0; i < 10; i += 1) {
    const runStart = dayStartUs + Math.floor((i * DAY_US) / 10);
    const stopStart = runStart + Math.floor(DAY_US / 10 - random() * 30 * 60_000_000);
    for (const [state, startTimeUs] of [
      [MachineState.MACHINE_STATE_RUNNING, runStart],
      [stops[Math.floor(random() * stops.length)] ?? MachineState.MACHINE_STATE_IDLE, stopStart],
    ] as const) {
      states.push({
        assetId,
        event: {
          $case: 'change',
          value: { state, startTimeUs, reasonCode: '', reasonText: '', sourceCode: '' },
        },
      });
    }
  }
  const deltas = Array.from({ length: 24 }, (_, hour) => {
    const total = 2_500 + Math.floor(random() * 800);
    const scrap = Math.floor(random() * 40);
    return {
      timeUs: dayStartUs + (hour + 1) * HOUR_US - 1,
      totalCount: total,
      goodCount: total - scrap,
      scrapCount: scrap,
      orderId: '',
    };
  });
  return { states, counts: { assetId, deltas } };
}

async function fromDatabase(db: PgDatabase, schema: string): Promise<void> {
  const writer = new HistorianWriter(db, { schema });
  const assets = Array.from(
    { length: ASSETS },
    (_, i) => `bench/plant-1/area/line-${Math.floor(i / 10)}/asset-${i}`,
  );
  const loadStarted = Date.now();
  let states = 0;
  let counts = 0;
  for (const [index, assetId] of assets.entries()) {
    const stateEvents: MachineStateEvent[] = [];
    const countBatches: ProductionCountBatch[] = [];
    for (let d = 0; d < DAYS; d += 1) {
      const generated = day(assetId, YEAR_START_US + d * DAY_US, index * 1_000 + d + 1);
      stateEvents.push(...generated.states);
      countBatches.push(generated.counts);
    }
    await writer.writeMachineStateEvents(stateEvents);
    await writer.writeProductionCountBatches(countBatches);
    states += stateEvents.length;
    counts += countBatches.reduce((sum, batch) => sum + batch.deltas.length, 0);
  }
  console.log(
    `loaded ${states} state changes and ${counts} count deltas for ${ASSETS} assets x ${DAYS} days ` +
      `in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`,
  );

  const engine = new OeeEngine({
    store: new OeeStore(db, schema),
    calendars,
    timeZoneFor: () => UTC_ZONE,
    settingsFor: () => ({ defaultIdealCycleTimeS: 1 }),
  });
  const window = {
    kind: OeeWindowKind.OEE_WINDOW_KIND_RANGE,
    startUs: YEAR_START_US,
    endUs: YEAR_START_US + DAYS * DAY_US,
    ref: '',
  };
  const started = Date.now();
  let sumOee = 0;
  for (const assetId of assets) {
    const result = await engine.compute(assetId, window, window.endUs);
    sumOee += result.oee ?? 0;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `OEE over ${DAYS} days for ${ASSETS} assets from the database: ${seconds.toFixed(2)} s ` +
      `(${((seconds * 1000) / ASSETS).toFixed(0)} ms per asset-year; mean OEE ${(sumOee / ASSETS).toFixed(3)})`,
  );
}

async function streaming(db: PgDatabase, schema: string): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const streamAssets = 20;
  const bus = new KafkaBus({ brokers, clientId: `bench-oee-${run}`, service: 'oee' });
  await bus.provision(OEE_SERVICE_TOPICS);
  let clockMs = YEAR_START_US / 1000;
  const registry = createMetricsRegistry({ service: 'oee', processMetrics: false });
  const lifecycle = manualLifecycle();
  lifecycle.add({ name: 'bus', stop: () => bus.close() });
  // The topics are shared: the service joins first and reads only what is published from then on.
  const service = await startOee(
    lifecycle,
    oeeSectionSchema.parse({
      groupId: `bench-oee-${run}`,
      startFrom: 'latest',
      settings: { default: { defaultIdealCycleTimeS: 1 } },
    }),
    {
      bus,
      logger,
      registry,
      db,
      schema,
      live: new MemoryLiveOee(),
      // The service clock follows the data (the end of the last published day), as it would in real time.
      now: () => clockMs,
    },
  );
  while (!service.isReady()) await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // "latest" is resolved at the first fetch
  const started = Date.now();
  // Events of whole days per asset, in time order per asset.
  let published = 0;
  for (let d = 0; published < STREAM_EVENTS; d += 1) {
    const records = {
      states: [] as ReturnType<typeof encodeEvent>[],
      counts: [] as ReturnType<typeof encodeEvent>[],
    };
    for (let a = 0; a < streamAssets && published < STREAM_EVENTS; a += 1) {
      const generated = day(
        `bench-${run}/plant-1/area/line-1/asset-${a}`,
        YEAR_START_US + d * DAY_US,
        a * 7 + d + 1,
      );
      for (const event of generated.states) records.states.push(encodeEvent(eventTopics.machineState, event));
      for (const delta of generated.counts.deltas) {
        records.counts.push(
          encodeEvent(eventTopics.productionCount, { assetId: generated.counts.assetId, deltas: [delta] }),
        );
      }
      published += generated.states.length + generated.counts.deltas.length;
    }
    clockMs = (YEAR_START_US + (d + 1) * DAY_US) / 1000;
    await bus.publish(topics.machineState.name, records.states);
    await bus.publish(topics.productionCount.name, records.counts);
  }
  const consumed = async (): Promise<number> => {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'kiln_oee_events_total');
    return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
  };
  for (;;) {
    if ((await consumed()) >= published) break;
    if (Date.now() - started > 600_000) throw new Error('the service did not catch up within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `streaming: ${Math.round((await consumed()) / seconds)} events/s ` +
      `(${await consumed()} state changes and count deltas of ${streamAssets} assets published, stored, their windows ` +
      `recomputed and results published, in ${seconds.toFixed(1)} s)`,
  );
  await lifecycle.stopAll();
}

async function main(): Promise<void> {
  const schema = `bench_oee_${randomBytes(4).toString('hex')}`;
  const db = new PgDatabase({ connectionString: url, maxConnections: 4 });
  try {
    await migrate(db, { schema });
    await fromDatabase(db, schema);
    await streaming(db, schema);
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
