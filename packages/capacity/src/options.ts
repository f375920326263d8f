// The bench's settings, from the environment (read by main.ts and handed in here) and `--json`.

export type Channel = 'http' | 'mqtt' | 'sparkplug';
export type Mode = Channel | 'in-process';

export interface BenchOptions {
  readonly httpRates: readonly number[];
  readonly mqttRates: readonly number[];
  /** Sparkplug B steps, samples/s (messages/s = samples/s / sparkplugMetrics). */
  readonly sparkplugRates: readonly number[];
  readonly inProcessRates: readonly number[];
  readonly modes: readonly Mode[];
  readonly warmupS: number;
  readonly stepS: number;
  /** Measured window of the latency and API steps (a 30-minute soak step need not make them 30 minutes too). */
  readonly latencyStepS: number;
  readonly maxFailedSteps: number;
  /** The latency step's rate; undefined: half the sustained maximum of the mode. */
  readonly latencyRate: number | undefined;
  /** Latest-value requests/s of the API step, beside ingestion at the latency step's rate; 0 leaves it out. */
  readonly apiRate: number;
  readonly assets: number;
  readonly signals: number;
  readonly batchSize: number;
  /** Tags each HTTP source owns (a probe included); a request holds several readings of them. */
  readonly tagsPerSource: number;
  readonly httpConnections: number;
  /** MQTT connections of the MQTT load; edge nodes (one connection each) of the Sparkplug load. */
  readonly mqttClients: number;
  /** Metric values per Sparkplug DDATA message: one asset's signals, as an edge node reports a machine. */
  readonly sparkplugMetrics: number;
  /** Normalization processes in the one consumer group (scale-out on one box). */
  readonly normalizers: number;
  readonly referenceS: number;
  readonly databaseUrl: string;
  /** Brokers to use; undefined: the run starts its own (kafka-broker.ts). */
  readonly kafkaBrokers: readonly string[] | undefined;
  /** A broker to use; undefined: the run starts its own (broker.ts). */
  readonly mqttUrl: string | undefined;
  readonly redisUrl: string;
  readonly json: boolean;
  /** Processes run under --cpu-prof (`ingestion,normalization`, `kiln`), their profiles beside their logs. */
  readonly cpuProfile: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const MODES: readonly Mode[] = ['http', 'mqtt', 'sparkplug', 'in-process'];

function setting(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function numberSetting(env: Env, name: string, fallback: number, min: number, max = Infinity): number {
  const text = setting(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
    throw new Error(`${name}: expected a number ${range}, got '${excerpt(text)}'`);
  }
  return value;
}

/** A setting as an error quotes it: a megabyte of text is not repeated whole. */
const excerpt = (text: string): string => (text.length > 80 ? `${text.slice(0, 80)}...` : text);

/** Longest warm-up or measured window: a day (a longer one overflows Node's timers and ends at once). */
const MAX_WINDOW_S = 86_400;

/** Most metric values in one Sparkplug DDATA: about 1 MB of payload, far past what an edge node sends. */
const MAX_SPARKPLUG_METRICS = 50_000;

function listSetting(env: Env, name: string, fallback: readonly number[]): number[] {
  const text = setting(env, name);
  if (text === undefined) return [...fallback];
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isFinite(value) || value <= 0)) {
    throw new Error(
      `${name}: expected comma-separated positive samples/s (10000,20000), got '${excerpt(text)}'`,
    );
  }
  return values;
}

export function readOptions(env: Env, argv: readonly string[]): BenchOptions {
  const unknown = argv.filter((arg) => arg !== '--json');
  if (unknown.length > 0)
    throw new Error(`unknown argument '${unknown[0]}'; the only option is --json (settings: KILN_E2E_*)`);
  const modes = (setting(env, 'KILN_E2E_MODES') ?? MODES.join(',')).split(',').map((mode) => mode.trim());
  const badMode = modes.find((mode) => !(MODES as readonly string[]).includes(mode));
  if (badMode !== undefined)
    throw new Error(`KILN_E2E_MODES: '${badMode}' is not one of ${MODES.join(', ')}`);
  const latency = numberSetting(env, 'KILN_E2E_LATENCY_RATE', 0, 0);
  const stepS = numberSetting(env, 'KILN_E2E_STEP_SECONDS', 30, 1, MAX_WINDOW_S);
  return {
    httpRates: listSetting(
      env,
      'KILN_E2E_RATES',
      [10_000, 20_000, 40_000, 80_000, 120_000, 160_000, 200_000],
    ),
    mqttRates: listSetting(env, 'KILN_E2E_MQTT_RATES', [5_000, 10_000, 20_000, 40_000, 80_000, 100_000]),
    sparkplugRates: listSetting(
      env,
      'KILN_E2E_SPARKPLUG_RATES',
      [20_000, 40_000, 80_000, 100_000, 120_000, 160_000],
    ),
    inProcessRates: listSetting(env, 'KILN_E2E_IN_PROCESS_RATES', [5_000, 10_000, 20_000, 30_000, 40_000]),
    modes: modes as Mode[],
    warmupS: numberSetting(env, 'KILN_E2E_WARMUP_SECONDS', 10, 0, MAX_WINDOW_S),
    stepS,
    latencyStepS: numberSetting(env, 'KILN_E2E_LATENCY_STEP_SECONDS', Math.min(stepS, 60), 1, MAX_WINDOW_S),
    maxFailedSteps: numberSetting(env, 'KILN_E2E_MAX_FAILED_STEPS', 2, 1),
    latencyRate: latency > 0 ? latency : undefined,
    apiRate: numberSetting(env, 'KILN_E2E_API_RATE', 1000, 0),
    assets: numberSetting(env, 'KILN_E2E_ASSETS', 100, 1),
    signals: numberSetting(env, 'KILN_E2E_SIGNALS', 50, 1),
    batchSize: numberSetting(env, 'KILN_E2E_BATCH', 500, 2),
    tagsPerSource: Math.floor(numberSetting(env, 'KILN_E2E_TAGS_PER_SOURCE', 100, 2)),
    httpConnections: numberSetting(env, 'KILN_E2E_HTTP_CONNECTIONS', 32, 1),
    mqttClients: numberSetting(env, 'KILN_E2E_MQTT_CLIENTS', 4, 1),
    sparkplugMetrics: Math.floor(
      numberSetting(env, 'KILN_E2E_SPARKPLUG_METRICS', 50, 1, MAX_SPARKPLUG_METRICS),
    ),
    normalizers: Math.floor(numberSetting(env, 'KILN_E2E_NORMALIZERS', 1, 1)),
    referenceS: numberSetting(env, 'KILN_E2E_REFERENCE_SECONDS', 5, 0),
    databaseUrl: setting(env, 'KILN_E2E_DATABASE_URL') ?? 'postgres://postgres@127.0.0.1:5432/test',
    kafkaBrokers: setting(env, 'KAFKA_BROKERS')
      ?.split(',')
      .map((one) => one.trim()),
    mqttUrl: setting(env, 'MQTT_URL'),
    redisUrl: setting(env, 'REDIS_URL') ?? 'redis://127.0.0.1:6379',
    json: argv.includes('--json'),
    cpuProfile: (setting(env, 'KILN_E2E_CPU_PROFILE') ?? '')
      .split(',')
      .map((one) => one.trim())
      .filter((one) => one !== ''),
  };
}
