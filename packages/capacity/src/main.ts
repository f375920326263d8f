// npm run bench:e2e: the end-to-end capacity of Kiln on this machine (issue 17). Reference limits first
// (PostgreSQL COPY, Kafka raw, MQTT raw), then stepped HTTP and MQTT load through ingestion and normalization as
// separate processes on the real Kafka and PostgreSQL, then the same over HTTP for `kiln start` in one process.
// Each mode ends with a latency step and an API step (latest values from the gateway while ingesting). Prints a
// table per mode and the sustained maxima as ratios of the references; `--json` adds the figures as JSON.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { API_CLIENT_GROUP, runApiStep, type ApiStepResult } from './api/api-step';
import { ApiClientProcess, BareServerProcess } from './api/control';
import { API_SIGNALS_PER_REQUEST, latestPaths } from './api/latest-request';
import { CleanUps, messageOf, within } from './clean-up';
import { infrastructureGroups, type CpuGroup } from './cpu-meter';
import { createSchema, dropSchema } from './database';
import { InProcessTarget } from './in-process-target';
import { startBroker } from './broker';
import { startKafka } from './kafka-broker';
import { batchTags } from './load/http-body';
import { LoadGenerator } from './load/control';
import type { LoadSetup, MqttLoadSetup } from './load/protocol';
import { sparkplugLoadNote, sparkplugLoadSetup } from './load/sparkplug-plan';
import { readOptions, type BenchOptions, type Channel } from './options';
import { loadTags, plantDocument, PROBE_ASSET, probeSignalName, probeTag } from './plant';
import { profileProcesses, stopAll } from './processes';
import {
  copyReference,
  kafkaReference,
  mqttReference,
  type CopyReference,
  type KafkaReference,
  type MqttReference,
} from './reference';
import {
  apiBoxFloorLine,
  apiFloorLine,
  renderApiStep,
  renderReferences,
  renderSteps,
  renderSummary,
  resultsJson,
  type ModeResult,
  type References,
} from './report';
import { ServicesTarget } from './services-target';
import { StepRunner, type StepTiming } from './steps';
import type { Target } from './target';
import { latencyRate, sustainedMaximum } from './verdict';

const log = (line: string) => console.error(line);
/** Connections the API client may open: far more than 1,000 req/s of few-ms answers keep busy. */
const API_CONNECTIONS = 64;
const cleanups = new CleanUps(log);

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The children get this environment without KILN_* settings of the shell: their configuration is the run's. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KILN_')));
}

interface Run {
  readonly options: BenchOptions;
  readonly repoRoot: string;
  readonly runDir: string;
  readonly runId: string;
  readonly schema: string;
  readonly plantFile: string;
  readonly tags: readonly string[];
  readonly batches: readonly (readonly string[])[];
  /** The broker the MQTT load and ingestion use: MQTT_URL, or the run's own (broker.ts). */
  mqttUrl: string;
  /** The Kafka brokers of the run: KAFKA_BROKERS, or the run's own (kafka-broker.ts). */
  kafkaBrokers: readonly string[];
}

function loadSetup(run: Run, channel: Channel, target: Target): LoadSetup {
  if (channel === 'http') {
    return {
      channel,
      url: target.httpUrl,
      batches: run.batches,
      batchSize: run.options.batchSize,
      connections: run.options.httpConnections,
    };
  }
  if (target.mqttTopicPrefix === undefined) throw new Error(`${target.mode} has no MQTT connector`);
  if (channel === 'sparkplug') {
    // The run's topic prefix is its Sparkplug group too (services-target.ts).
    return sparkplugLoadSetup({
      url: run.mqttUrl,
      groupId: target.mqttTopicPrefix,
      tags: run.tags,
      probeDeviceId: PROBE_ASSET,
      probeMetrics: run.batches.map((_, i) => probeSignalName(i)),
      metricsPerMessage: run.options.sparkplugMetrics,
      probeEvery: run.options.batchSize,
      edgeNodes: run.options.mqttClients,
      maxInFlightPerNode: 2000,
    });
  }
  return mqttLoadSetup(run, target.mqttTopicPrefix);
}

/** The MQTT load of the run under a topic prefix: the MQTT mode's and, under its own prefix, the reference's. */
function mqttLoadSetup(run: Run, topicPrefix: string): MqttLoadSetup {
  return {
    channel: 'mqtt',
    url: run.mqttUrl,
    topicPrefix,
    topics: run.tags.map((tag) => tag.split('/').slice(1).join('/')),
    probeTopics: run.batches.map((_, i) => `${PROBE_ASSET}/${probeSignalName(i)}`),
    probeEvery: run.options.batchSize,
    clients: run.options.mqttClients,
    maxInFlightPerClient: 2000,
  };
}

async function runMode(
  run: Run,
  target: Target,
  channel: Channel,
  rates: readonly number[],
  label: string,
): Promise<ModeResult> {
  log(
    `${label}: ${channel} load${channel === 'sparkplug' ? sparkplugLoadNote(run.options.sparkplugMetrics, rates) : ''}`,
  );
  const generator = await LoadGenerator.start(loadSetup(run, channel, target));
  cleanups.add(`the ${channel} load generator (pid ${generator.pid})`, 15_000, () => generator.stop());
  const groups: CpuGroup[] = [
    ...target.processes.map((one) => ({ name: one.name, pids: () => [one.pid] })),
    { name: 'generator', pids: () => [generator.pid] },
    { name: 'bench', pids: () => [process.pid] },
    ...infrastructureGroups(),
  ];
  const timing = {
    warmupS: run.options.warmupS,
    measureS: run.options.stepS,
    maxFailedSteps: run.options.maxFailedSteps,
    drainTimeoutS: 120,
    settleTimeoutS: 300,
  };
  const runner = new StepRunner(target, generator, groups, timing, log);
  const latencyTiming = { ...timing, measureS: run.options.latencyStepS };
  const latencyRunner = new StepRunner(target, generator, groups, latencyTiming, log);
  try {
    const steps = await runner.stepped(rates);
    const sustainedMaxPerS = sustainedMaximum(steps);
    await runner.settle();
    const rate = run.options.latencyRate ?? latencyRate(sustainedMaxPerS ?? rates[0] ?? 2000);
    log(`  latency step at ${rate.toLocaleString('en-US')} samples/s`);
    const latencyStep = await latencyRunner.step(rate);
    await runner.settle();
    const apiStep = await apiStepOf(run, target, generator, groups, latencyTiming, rate);
    if (apiStep) await runner.drain();
    return { mode: label, steps, sustainedMaxPerS, latencyStep, apiStep };
  } finally {
    await generator.stop();
  }
}

/** The API step at the latency step's ingest rate, when the target serves the API and KILN_E2E_API_RATE > 0. */
async function apiStepOf(
  run: Run,
  target: Target,
  generator: LoadGenerator,
  groups: readonly CpuGroup[],
  timing: StepTiming,
  ingestRate: number,
): Promise<ApiStepResult | undefined> {
  const apiRate = run.options.apiRate;
  if (target.api === undefined || apiRate <= 0) return undefined;
  log(
    `  API step: ${apiRate.toLocaleString('en-US')} latest-value req/s to ${target.api.server} while ingesting ${ingestRate.toLocaleString('en-US')} samples/s`,
  );
  const api = target.api;
  /** One measured window of a fresh API client on `paths` of `server` beside the ingest, its CPU shown apart. */
  const measure = async (
    what: string,
    server: { baseUrl: string; name: string; pids?: () => number[]; metricsUrl?: string },
    paths: readonly string[],
    signalsPerRequest: number,
  ) => {
    const client = await ApiClientProcess.start({
      baseUrl: server.baseUrl,
      apiKey: api.apiKey,
      paths,
      maxConnections: API_CONNECTIONS,
      signalsPerRequest,
    });
    cleanups.add(`the ${what} (pid ${client.pid})`, 15_000, () => client.stop());
    try {
      const extra = server.pids === undefined ? [] : [{ name: server.name, pids: server.pids }];
      const runner = new StepRunner(
        target,
        generator,
        [...groups, ...extra, { name: API_CLIENT_GROUP, pids: () => [client.pid] }],
        timing,
        log,
      );
      return await runApiStep(runner, client, {
        ingestRate,
        apiRate,
        signalsPerRequest,
        server: server.name,
        metricsUrl: server.metricsUrl,
      });
    } finally {
      await client.stop();
    }
  };
  const gateway = { baseUrl: api.baseUrl, name: api.server };
  const signalsPerRequest = Math.min(run.options.signals, API_SIGNALS_PER_REQUEST);
  const step = await measure(
    'API client',
    { ...gateway, metricsUrl: api.metricsUrl },
    latestPaths(run.options.assets, run.options.signals, API_SIGNALS_PER_REQUEST),
    signalsPerRequest,
  );
  const rate = apiRate.toLocaleString('en-US');
  log(`  API floor: ${rate} req/s of ${HEALTH_PATH} beside the same ingest`);
  const floor = await measure('API floor client', gateway, [HEALTH_PATH], 0);
  log(`  API box floor: ${rate} req/s of a bare Node HTTP server beside the same ingest`);
  const bare = await BareServerProcess.start(signalsPerRequest);
  cleanups.add(`the bare server (pid ${bare.pid})`, 15_000, () => bare.stop());
  try {
    const boxFloor = await measure(
      'API box floor client',
      { baseUrl: bare.baseUrl, name: BARE_SERVER_GROUP, pids: () => [bare.pid] },
      ['/'],
      signalsPerRequest,
    );
    return {
      ...step,
      floor: { api: floor.api, serverCpu: floor.serverCpu },
      boxFloor: { api: boxFloor.api, serverCpu: boxFloor.serverCpu },
    };
  } finally {
    await bare.stop();
  }
}

/** The CPU group of the box floor's bare server. */
const BARE_SERVER_GROUP = 'bare server';

/** The gateway's cheapest answer: liveness, no credential, no Redis, no database. */
const HEALTH_PATH = '/healthz';

async function references(run: Run, brokerPid: number | undefined): Promise<References> {
  const seconds = run.options.referenceS;
  if (seconds <= 0) return { copy: [], kafka: undefined, mqtt: undefined };
  log(`reference limits, ${seconds} s each`);
  const copy: CopyReference[] = [];
  for (const format of ['binary', 'text'] as const) {
    copy.push(await copyReference(run.options.databaseUrl, run.schema, format, seconds));
  }
  const kafka: KafkaReference = await kafkaReference(
    run.kafkaBrokers,
    `kiln-e2e-reference-${run.runId}`,
    seconds,
  );
  // The MQTT mode's ratio needs it; the broker's pid for its CPU is known for the run's own broker only.
  let mqtt: MqttReference | undefined;
  if (run.options.modes.includes('mqtt') && brokerPid !== undefined) {
    const load = mqttLoadSetup(run, `kiln-e2e-reference-${run.runId}`);
    mqtt = await mqttReference(load, brokerPid, seconds);
  }
  return { copy, kafka, mqtt };
}

async function main(): Promise<number> {
  const options = readOptions(process.env, process.argv.slice(2));
  profileProcesses(options.cpuProfile);
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const runId = `${Date.now().toString(36)}${process.pid}`;
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
  const schema = `kiln_e2e_${runId}`;
  const tags = loadTags({ assets: options.assets, signals: options.signals, probes: 0 });
  // One batch of tags per source (a probe first); a request carries readings of them up to the batch size.
  const batches = batchTags(tags, Math.min(options.tagsPerSource, options.batchSize), probeTag);
  const plantFile = join(runDir, 'plant.yaml');
  writeFileSync(
    plantFile,
    stringify(plantDocument({ assets: options.assets, signals: options.signals, probes: batches.length })),
  );
  const run: Run = {
    options,
    repoRoot,
    runDir,
    runId,
    schema,
    plantFile,
    tags,
    batches,
    mqttUrl: options.mqttUrl ?? '',
    kafkaBrokers: options.kafkaBrokers ?? [],
  };
  // Kafka serves the services modes and the Kafka reference; `kiln start` alone has its in-process bus.
  const needsKafka = options.referenceS > 0 || options.modes.some((mode) => mode !== 'in-process');
  if (run.kafkaBrokers.length === 0 && needsKafka) {
    log('  starting a Kafka broker of the run (KAFKA_BROKERS sets another)');
    const kafka = await startKafka(repoRoot, runDir);
    cleanups.add(`the run's Kafka broker and its data in ${runDir}/kafka`, 45_000, () => kafka.stop());
    run.kafkaBrokers = kafka.brokers;
    log(`  Kafka broker of the run: ${kafka.brokers.join(',')}`);
  }
  log(
    `bench:e2e run ${runId}: ${tags.length} signals from ${batches.length} sources, requests of ${options.batchSize} samples; logs and files in ${runDir}`,
  );

  await createSchema(options.databaseUrl, schema);
  cleanups.add(`schemas ${schema} and ${schema}_*`, 30_000, () => dropSchema(options.databaseUrl, schema));
  const channels = options.modes.filter((mode): mode is Channel => mode !== 'in-process');
  // The broker first: the MQTT reference runs through it too.
  let brokerPid: number | undefined;
  if (channels.length > 0 && run.mqttUrl === '') {
    const broker = await startBroker(runDir, await freePort());
    cleanups.add(`the run's MQTT broker (pid ${broker.pid})`, 10_000, () => broker.stop());
    run.mqttUrl = broker.url;
    brokerPid = broker.pid;
    log(
      `  MQTT broker of the run: ${broker.url} (mosquitto, no in-flight or queue limit; MQTT_URL sets another)`,
    );
  }
  const refs = await references(run, brokerPid);
  console.log(`\n${renderReferences(refs)}\n`);

  const results: ModeResult[] = [];
  if (channels.length > 0) {
    const [ingestionOps, httpPush] = [await freePort(), await freePort()];
    const normalizationOps: number[] = [];
    for (let i = 0; i < options.normalizers; i += 1) normalizationOps.push(await freePort());
    const countedTags = tags.filter((_, i) => i % Math.max(1, Math.floor(tags.length / 100)) === 0);
    const target = await ServicesTarget.start(
      {
        repoRoot,
        runDir,
        runId,
        plantFile,
        databaseUrl: options.databaseUrl,
        schema,
        kafkaBrokers: run.kafkaBrokers,
        mqttUrl: run.mqttUrl,
        redisUrl: options.redisUrl,
        ports: { ingestionOps, httpPush, normalizationOps },
        gateway:
          options.apiRate > 0
            ? {
                rest: await freePort(),
                ops: await freePort(),
                grpc: await freePort(),
                adminApiKey: `kiln-e2e-${randomBytes(18).toString('hex')}`,
              }
            : undefined,
        countedTags,
        loadTagCount: tags.length,
        nodeEnv: childEnv(),
      },
      log,
    );
    cleanups.add(
      `the services (${target.processes.map((one) => `${one.name} pid ${one.pid}`).join(', ')}), their Kafka group and Redis keys`,
      60_000,
      () => target.stop(),
    );
    for (const channel of channels) {
      const rates =
        channel === 'http'
          ? options.httpRates
          : channel === 'mqtt'
            ? options.mqttRates
            : options.sparkplugRates;
      const result = await runMode(run, target, channel, rates, `services, ${channel}`);
      results.push(result);
      console.log(
        `services, ${channel} (ingestion + ${options.normalizers} normalization as processes, Kafka, PostgreSQL)\n${renderSteps([...result.steps, ...(result.latencyStep ? [result.latencyStep] : [])])}\n`,
      );
      printApiStep(`services, ${channel}`, result.apiStep);
    }
    await target.stop();
  }
  if (options.modes.includes('in-process')) {
    const target = await InProcessTarget.start(
      {
        repoRoot,
        runDir,
        plantFile,
        probes: batches.length,
        ports: { http: await freePort(), httpPush: await freePort(), grpc: await freePort() },
        nodeEnv: childEnv(),
      },
      log,
    );
    cleanups.add(`kiln start (pid ${target.processes[0]?.pid}) and its data`, 30_000, () => target.stop());
    const result = await runMode(run, target, 'http', options.inProcessRates, 'in-process, http');
    results.push(result);
    console.log(
      `in-process kiln start (embedded database, in-process bus), http\n${renderSteps([...result.steps, ...(result.latencyStep ? [result.latencyStep] : [])])}\n`,
    );
    printApiStep('in-process, http', result.apiStep);
    await target.stop();
  }

  console.log(
    `summary (the last row of each table is its latency step)\n${renderReferences(refs)}\n\n${renderSummary(results, refs)}`,
  );
  if (options.json) console.log(JSON.stringify(resultsJson(results, refs), null, 2));
  return 0;
}

function printApiStep(label: string, step: ApiStepResult | undefined): void {
  if (step === undefined) return;
  console.log(
    `${label}, API step: GET /api/v1/telemetry/latest (${step.signalsPerRequest} signals of one asset) at ${step.apiRatePerS.toLocaleString('en-US')} req/s, open loop, while ingesting ${step.ingest.offeredPerS.toLocaleString('en-US')} samples/s\n${renderApiStep(step)}\n`,
  );
  if (step.floor !== undefined) console.log(`${apiFloorLine(step.floor, step.server)}\n`);
  if (step.boxFloor !== undefined) console.log(`${apiBoxFloorLine(step.boxFloor)}\n`);
}

let cleaning: Promise<void> | undefined;

/**
 * Undoes what the run started, once: Ctrl-C and the failure it causes in the run (its generator and services got
 * the SIGINT too) wait for the same clean-up, and neither exits before it is done.
 */
function cleanUp(): Promise<void> {
  cleaning ??= cleanups
    .run()
    .then(() => within(stopAll(), 20_000, 'processes of the run'))
    .catch((error: unknown) => log(`clean-up: left behind ${messageOf(error)}`));
  return cleaning;
}

let interrupted = false;
process.on('SIGINT', () => {
  // Once the clean-up runs, a further Ctrl-C would only leave behind what it is removing; every step is bounded.
  if (interrupted) {
    log(`clean-up under way, still to undo: ${cleanups.pending().join('; ') || 'the processes of the run'}`);
    return;
  }
  interrupted = true;
  log('interrupted: stopping what this run started');
  void cleanUp().finally(() => process.exit(130));
});

main().then(
  async (code) => {
    await cleanUp();
    process.exit(code);
  },
  async (error: unknown) => {
    log(`bench:e2e failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanUp();
    process.exit(1);
  },
);
