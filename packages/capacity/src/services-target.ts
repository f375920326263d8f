// The services as separate processes, the way Kubernetes runs Kiln: ingestion (HTTP push, one MQTT connector and
// a Sparkplug B host reading the run's group, named like the MQTT topic prefix), normalization and, for the API
// step, the gateway, each `node services/<name>/dist/main.js --config <file>`, on the real Kafka and PostgreSQL,
// default configuration otherwise. The run's own schema, consumer group, MQTT topics, Sparkplug group and Redis
// key prefix keep it apart from anything else on the same infrastructure.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, KafkaJSDeleteGroupsError, logLevel, type Admin } from 'kafkajs';
import { Client } from 'pg';
import { stringify } from 'yaml';
import {
  insertedTelemetryRows,
  pendingRollupRanges,
  ProbePoller,
  probeSignalIds,
  rowsInWindow,
  signalIds,
} from './database';
import { messageOf, within } from './clean-up';
import { deleteKeys } from './redis-keys';
import { committedOffsets, endOffsets, lagOf, sumOffsets } from './kafka-lag';
import { PLANT_PREFIX, TAG_ROOT } from './plant';
import { startProcess, waitReady } from './processes';
import type { ApiEndpoint, Sighting, Target } from './target';

export const RAW_TOPIC = 'kiln.raw.v1';

export interface ServicesSetup {
  readonly repoRoot: string;
  readonly runDir: string;
  readonly runId: string;
  readonly plantFile: string;
  readonly databaseUrl: string;
  readonly schema: string;
  readonly kafkaBrokers: readonly string[];
  readonly mqttUrl: string;
  readonly redisUrl: string;
  /** One ops port per normalization process; more than one share the raw topic's partitions in one group. */
  readonly ports: { ingestionOps: number; httpPush: number; normalizationOps: readonly number[] };
  /** The gateway's ports and admin key, when the run asks its REST API (the API step); undefined: no gateway. */
  readonly gateway: { rest: number; ops: number; grpc: number; adminApiKey: string } | undefined;
  /** Load tags whose stored rows stand for all (see Target.storedOfWindow), and how many load tags there are. */
  readonly countedTags: readonly string[];
  readonly loadTagCount: number;
  readonly nodeEnv: NodeJS.ProcessEnv;
}

export class ServicesTarget implements Target {
  readonly mode = 'services';

  private stopping: Promise<void> | undefined;

  private constructor(
    readonly processes: Array<{ name: string; pid: number; stop(): Promise<void> }>,
    readonly httpUrl: string,
    readonly mqttTopicPrefix: string,
    readonly api: ApiEndpoint | undefined,
    private readonly setup: ServicesSetup,
    private readonly client: Client,
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly baseline: Map<number, number>,
    private readonly poller: ProbePoller,
    private readonly countedIds: readonly number[],
  ) {}

  get rollupMetricsUrls(): readonly string[] {
    return this.setup.ports.normalizationOps.map((port) => `http://127.0.0.1:${port}/metrics`);
  }

  static async start(setup: ServicesSetup, log: (line: string) => void): Promise<ServicesTarget> {
    const groupId = `kiln-e2e-${setup.runId}`;
    const mqttTopicPrefix = `kiln-e2e-${setup.runId}`;
    const files = writeConfigs(setup, groupId, mqttTopicPrefix);
    const kafka = new Kafka({
      clientId: 'kiln-e2e',
      brokers: [...setup.kafkaBrokers],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const script = (name: string) => join(setup.repoRoot, 'services', name, 'dist', 'main.js');
    const processes = [];
    const normalizers = files.normalization.map(
      (file, i) =>
        [
          files.normalization.length > 1 ? `normalization-${i + 1}` : 'normalization',
          file,
          setup.ports.normalizationOps[i] ?? 0,
        ] as const,
    );
    // The gateway last: normalization has migrated the schema by then, and it only reads what the others write.
    const gateway =
      files.gateway === undefined || setup.gateway === undefined
        ? []
        : [['gateway', files.gateway, setup.gateway.ops] as const];
    for (const [name, file, port] of [
      ...normalizers,
      ['ingestion', files.ingestion, setup.ports.ingestionOps] as const,
      ...gateway,
    ]) {
      log(`  starting ${name}`);
      const child = startProcess(
        name,
        script(name.startsWith('normalization') ? 'normalization' : name),
        ['--config', file],
        setup.nodeEnv,
        join(setup.runDir, `${name}.log`),
      );
      processes.push(child);
      await waitReady(child, `http://127.0.0.1:${port}/readyz`);
    }
    // The group starts at the end of the raw topic (startFrom: latest): what was there before is not ours.
    const baseline = await endOffsets(admin, RAW_TOPIC);
    const client = new Client({ connectionString: setup.databaseUrl });
    await client.connect();
    // The bench's own reads (the probe poll every 20 ms, the window counts) must stay cheap. Kiln's telemetry
    // grows by millions of rows in a run before autovacuum analyzes it, so the planner estimates a probe poll at
    // ~200,000 rows where it finds a handful, and plans it parallel with JIT: 150 ms of JIT compiling and two
    // workers per poll, about half a core of PostgreSQL spent by the bench and counted in its `postgres %`.
    await client.query('SET jit = off');
    await client.query('SET max_parallel_workers_per_gather = 0');
    const probeIds = await probeSignalIds(client, setup.schema);
    const countedIds = await signalIds(
      client,
      setup.schema,
      setup.countedTags.map((tag) => {
        const [, asset, name] = tag.split('/');
        return { assetId: `${PLANT_PREFIX}/${asset ?? ''}`, name: name ?? '' };
      }),
    );
    if (probeIds.length === 0 || countedIds.length !== setup.countedTags.length) {
      throw new Error(
        `the plant's signals are not in ${setup.schema}.signals (normalization logs in ${setup.runDir})`,
      );
    }
    const poller = new ProbePoller(client, setup.schema, probeIds);
    poller.start();
    return new ServicesTarget(
      processes,
      `http://127.0.0.1:${setup.ports.httpPush}/api/v1/samples`,
      mqttTopicPrefix,
      setup.gateway === undefined
        ? undefined
        : {
            baseUrl: `http://127.0.0.1:${setup.gateway.rest}`,
            apiKey: setup.gateway.adminApiKey,
            server: 'gateway',
            metricsUrl: `http://127.0.0.1:${setup.gateway.ops}/metrics`,
          },
      setup,
      client,
      admin,
      groupId,
      baseline,
      poller,
      countedIds,
    );
  }

  storedRows(): Promise<number> {
    return insertedTelemetryRows(this.client, this.setup.schema);
  }

  async storedOfWindow(fromMs: number, toMs: number): Promise<number> {
    const rows = await rowsInWindow(this.client, this.setup.schema, this.countedIds, fromMs, toMs);
    return (rows * this.setup.loadTagCount) / this.countedIds.length;
  }

  /** Several processes, each its own event loop: the step's CPU columns tell more. */
  eventLoopP99Ms(): undefined {
    return undefined;
  }

  pendingRollups(): Promise<number> {
    return pendingRollupRanges(this.client, this.setup.schema);
  }

  async lag(): Promise<{ records: number; endOffsetSum: number }> {
    const [ends, committed] = await Promise.all([
      endOffsets(this.admin, RAW_TOPIC),
      committedOffsets(this.admin, this.groupId, RAW_TOPIC),
    ]);
    return { records: lagOf(ends, committed, this.baseline), endOffsetSum: sumOffsets(ends) };
  }

  sightings(fromMs: number, toMs: number): Sighting[] {
    return this.poller.between(fromMs, toMs);
  }

  /**
   * Called at the end of its mode and again by the run's clean-up: the second call waits for the first, so the
   * clean-up drops the schema only once the services are gone. Each step is bounded in time, the run's own Kafka
   * broker may be gone already (a terminal's Ctrl-C stops it too), and a step that fails does not keep the next
   * from running; what is left behind is logged.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.poller.stop();
    const left: string[] = [];
    const undo = async (what: string, withinMs: number, step: () => Promise<unknown>) => {
      try {
        await within(step(), withinMs, what);
      } catch (error) {
        left.push(`${what} (${messageOf(error)})`);
      }
    };
    // Each process is killed 15 s after its SIGTERM (processes.ts).
    await undo('the services', 20_000, () => Promise.all(this.processes.map((one) => one.stop())));
    await within(this.admin.disconnect(), 2_000, 'Kafka admin').catch(() => undefined);
    // On the run's own broker, stopped by the same Ctrl-C, the group goes with the broker's data (kafka-broker.ts).
    const brokers = this.setup.kafkaBrokers.join(',');
    await undo(`Kafka consumer group ${this.groupId} on ${brokers}`, 5_000, () =>
      deleteGroup(this.setup.kafkaBrokers, this.groupId),
    );
    await within(this.client.end(), 5_000, 'PostgreSQL client').catch(() => undefined);
    await undo(`Redis keys ${redisPrefix(this.setup.runId)}*`, 10_000, () =>
      deleteKeys(this.setup.redisUrl, redisPrefix(this.setup.runId)),
    );
    if (left.length > 0) console.error(`  clean-up: left behind ${left.join('; ')}`);
  }
}

/** Kafka's GROUP_ID_NOT_FOUND: a group that never committed has nothing to delete. */
const GROUP_ID_NOT_FOUND = 69;

/**
 * Deletes the run's consumer group through a client of its own that hardly retries: on a broker that is gone it
 * fails within about a second instead of after kafkajs's default retries.
 */
export async function deleteGroup(brokers: readonly string[], groupId: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'kiln-e2e-clean-up',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
  }).admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch (error) {
    const notFound =
      error instanceof KafkaJSDeleteGroupsError &&
      error.groups.every((group) => group.errorCode === GROUP_ID_NOT_FOUND);
    if (!notFound) throw error;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function redisPrefix(runId: string): string {
  return `kiln-e2e-${runId}:`;
}

function writeConfigs(setup: ServicesSetup, groupId: string, mqttTopicPrefix: string) {
  const write = (name: string, document: unknown): string => {
    const file = join(setup.runDir, name);
    writeFileSync(file, stringify(document));
    return file;
  };
  const common = (service: string, opsPort: number) => ({
    http: { host: '127.0.0.1', port: opsPort },
    log: { level: 'warn' },
    bus: { kind: 'kafka', kafka: { brokers: [...setup.kafkaBrokers], clientId: `kiln-e2e-${service}` } },
  });
  return {
    ingestion: write('ingestion.yaml', {
      ...common('ingestion', setup.ports.ingestionOps),
      ingestion: {
        buffer: { directory: join(setup.runDir, 'ingestion-buffer') },
        connectors: [
          { kind: 'http', id: 'push', host: '127.0.0.1', port: setup.ports.httpPush },
          {
            kind: 'mqtt',
            id: 'e2e',
            url: setup.mqttUrl,
            clientId: `kiln-e2e-ingestion-${setup.runId}`,
            // A clean session leaves nothing queued on the broker after the run.
            cleanSession: true,
            subscriptions: [
              {
                topic: `${mqttTopicPrefix}/+asset/+signal`,
                tag: `${TAG_ROOT}/{asset}/{signal}`,
                valuePointer: '/v',
                timestampPointer: '/t',
                timestampFormat: 'epoch-us',
              },
            ],
          },
          {
            kind: 'sparkplug',
            id: 'e2e-sparkplug',
            url: setup.mqttUrl,
            clientId: `kiln-e2e-sparkplug-${setup.runId}`,
            hostId: `kiln-e2e-${setup.runId}`,
            // The run's own group: the run's topic prefix, no '/' in it (a Sparkplug id).
            groups: [mqttTopicPrefix],
          },
        ],
      },
    }),
    gateway:
      setup.gateway === undefined
        ? undefined
        : write('gateway.yaml', {
            ...common('gateway', setup.gateway.ops),
            // Normalization's schema and Redis prefix: it reads what the run stores.
            database: { url: setup.databaseUrl, schema: setup.schema },
            redis: { url: setup.redisUrl, keyPrefix: redisPrefix(setup.runId) },
            gateway: {
              http: { host: '127.0.0.1', port: setup.gateway.rest },
              grpc: { host: '127.0.0.1', port: setup.gateway.grpc },
              auth: { adminApiKey: setup.gateway.adminApiKey },
              // 1,000 req/s from one key is 50 times the default limit (1,200 a minute): the step measures queries, not it.
              rateLimit: { max: 0 },
            },
          }),
    normalization: setup.ports.normalizationOps.map((port, i) =>
      write(`normalization-${i + 1}.yaml`, {
        ...common('normalization', port),
        database: { url: setup.databaseUrl, schema: setup.schema },
        redis: { url: setup.redisUrl, keyPrefix: redisPrefix(setup.runId) },
        normalization: { plantFile: setup.plantFile, groupId, startFrom: 'latest' },
      }),
    ),
  };
}
