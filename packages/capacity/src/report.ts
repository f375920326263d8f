// The printed results: the reference limits, one table per mode, and a summary of the sustained maxima as
// ratios of the references. Pure: it formats what the run measured.
import { API_P99_TARGET_MS } from './api/api-result';
import type { ApiStepResult, FloorFigures } from './api/api-step';
import type { MemorySummary } from './memory-meter';
import type { LatencySummary } from './percentiles';
import type { CopyReference, KafkaReference, MqttReference } from './reference';
import type { StepResult } from './steps';
import { formatNumber, renderTable, type Cell } from './table';

export interface ModeResult {
  readonly mode: string;
  readonly steps: readonly StepResult[];
  readonly sustainedMaxPerS: number | undefined;
  readonly latencyStep: StepResult | undefined;
  /** Latest-value requests beside ingestion at the latency step's rate; undefined when left out. */
  readonly apiStep?: ApiStepResult | undefined;
}

export interface References {
  readonly copy: readonly CopyReference[];
  readonly kafka: KafkaReference | undefined;
  /** Through the run's broker to one subscriber; undefined without the MQTT mode or the run's own broker. */
  readonly mqtt?: MqttReference | undefined;
}

const ms = (value: number) => formatNumber(value);

export function renderReferences(references: References): string {
  const rows: Cell[][] = references.copy.map((one) => [
    `PostgreSQL COPY ${one.format}, telemetry-shaped rows`,
    `${formatNumber(one.rowsPerS)} rows/s`,
  ]);
  if (references.kafka) {
    const kafka = references.kafka;
    rows.push([
      'Kafka 32 KiB records, uncompressed, produce',
      `${formatNumber(kafka.produceMiBPerS, 1)} MiB/s (~${formatNumber(kafka.samplesPerSEquivalent)} samples/s)`,
    ]);
    rows.push(['Kafka 32 KiB records, consume', `${formatNumber(kafka.consumeMiBPerS, 1)} MiB/s`]);
  }
  if (references.mqtt) {
    const { mqtt } = references;
    rows.push([
      'MQTT QoS 1, one sample per message, generator -> Mosquitto -> 1 subscriber',
      `${formatNumber(mqtt.messagesPerS)} messages/s (mosquitto ${formatNumber(mqtt.cpu.mosquitto)} %, ` +
        `generator ${formatNumber(mqtt.cpu.generator)} %, subscriber ${formatNumber(mqtt.cpu.subscriber)} % CPU)`,
    ]);
  }
  return renderTable(['reference limit', 'figure'], rows);
}

export function renderSteps(steps: readonly StepResult[]): string {
  const groups = [...new Set(steps.flatMap((step) => [...step.cpu.keys()]))];
  const loop = steps.some((step) => step.eventLoopP99Ms !== undefined);
  const header = [
    'offered/s',
    'sent/s',
    'accepted/s',
    'stored/s',
    'stored of sent %',
    'lag start>end',
    ...groups.map((group) => `${group} %`),
    'box %',
    'p50 ms',
    'p99 ms',
    'max ms',
    'refresh s/run',
    'rss MiB start>end',
    ...(loop ? ['loop p99 ms'] : []),
    'verdict',
  ];
  const rows = steps.map((step) => [
    formatNumber(step.offeredPerS),
    step.sentPerS,
    step.acceptedPerS,
    step.storedPerS,
    formatNumber(((step.windowStoredPerS ?? step.storedPerS) / step.sentPerS) * 100, 1),
    step.lagStartRecords === undefined ? '-' : `${step.lagStartRecords}>${step.lagEndRecords ?? '-'}`,
    ...groups.map((group) => step.cpu.get(group)),
    step.machineCpu,
    ms(step.latency.p50),
    ms(step.latency.p99),
    ms(step.latency.max),
    step.rollups?.meanS === undefined ? '-' : step.rollups.meanS.toFixed(2),
    rssText(step.memory),
    ...(loop ? [step.eventLoopP99Ms === undefined ? '-' : ms(step.eventLoopP99Ms)] : []),
    step.verdict.sustained ? 'sustained' : step.verdict.why,
  ]);
  return renderTable(header, rows);
}

/** The Kiln processes' RSS added up, at the window's start and end. */
function rssText(memory: readonly MemorySummary[]): string {
  if (memory.length === 0) return '-';
  const sum = (pick: (one: MemorySummary) => number) =>
    Math.round(memory.reduce((total, one) => total + pick(one), 0));
  return `${sum((one) => one.startMiB)}>${sum((one) => one.endMiB)}`;
}

function latencyText(latency: LatencySummary | undefined): string {
  if (!latency || latency.count === 0) return 'no probe seen';
  return `p50 ${ms(latency.p50)} ms, p99 ${ms(latency.p99)} ms, max ${ms(latency.max)} ms (${latency.count} probes)`;
}

export function renderSummary(modes: readonly ModeResult[], references: References): string {
  const binaryCopy = references.copy.find((one) => one.format === 'binary')?.rowsPerS;
  const kafka = references.kafka?.samplesPerSEquivalent;
  const mqtt = references.mqtt?.messagesPerS;
  const ratio = (value: number | undefined, of: number | undefined) =>
    value === undefined || of === undefined || of <= 0 ? '-' : `${formatNumber((value / of) * 100, 1)} %`;
  const rows = modes.map((mode) => [
    mode.mode,
    mode.sustainedMaxPerS === undefined ? 'none sustained' : formatNumber(mode.sustainedMaxPerS),
    ratio(mode.sustainedMaxPerS, binaryCopy),
    ratio(mode.sustainedMaxPerS, kafka),
    mode.mode.endsWith('mqtt') ? ratio(mode.sustainedMaxPerS, mqtt) : '-',
    mode.latencyStep ? formatNumber(mode.latencyStep.offeredPerS) : '-',
    latencyText(mode.latencyStep?.latency),
  ]);
  const table = renderTable(
    [
      'mode',
      'sustained max samples/s',
      'of PG COPY binary',
      'of Kafka raw',
      'of MQTT raw',
      'latency step /s',
      'sample -> queryable',
    ],
    rows,
  );
  const api = modes.flatMap((mode) =>
    mode.apiStep ? [apiSummaryLine(mode.mode, mode.apiStep), apiVerdictLine(mode.mode, mode.apiStep)] : [],
  );
  return api.length === 0 ? table : `${table}\n\n${api.join('\n')}`;
}

/** The API step as its own small table: the requests, their latency, the serving process, the ingest beside. */
export function renderApiStep(result: ApiStepResult): string {
  const { api, ingest } = result;
  const header = [
    'asked req/s',
    'answered 2xx/s',
    'non-2xx',
    'errors',
    'incomplete',
    'held back',
    'p50 ms',
    'p99 ms',
    'max ms',
    'from memory %',
    `${result.server} %`,
    'api client %',
    'ingest sent/s',
    'stored of sent %',
    'ingest',
  ];
  const row = [
    formatNumber(result.apiRatePerS),
    api.answeredPerS,
    api.non2xx,
    api.errors,
    api.incomplete,
    api.skipped,
    formatNumber(api.latency.p50, 1),
    formatNumber(api.latency.p99, 1),
    formatNumber(api.latency.max, 1),
    result.fromMemoryPercent === undefined ? '-' : formatNumber(result.fromMemoryPercent, 1),
    result.serverCpu,
    result.clientCpu,
    ingest.sentPerS,
    formatNumber(((ingest.windowStoredPerS ?? ingest.storedPerS) / ingest.sentPerS) * 100, 1),
    ingest.verdict.sustained ? 'sustained' : ingest.verdict.why,
  ];
  const lastError = api.lastError === '' ? '' : `\nlast error: ${api.lastError}`;
  return `${renderTable(header, [row])}${lastError}`;
}

/** One line of the summary: what the step measured, in the words of issue 17's acceptance. */
export function apiSummaryLine(mode: string, result: ApiStepResult): string {
  const { latency } = result.api;
  return (
    `${mode}: API latest-value (${result.signalsPerRequest} signals a request) at ${formatNumber(result.apiRatePerS)} req/s ` +
    `while ingesting ${formatNumber(result.ingest.offeredPerS)} samples/s: p50 ${formatNumber(latency.p50, 1)} ms, ` +
    `p99 ${formatNumber(latency.p99, 1)} ms, max ${formatNumber(latency.max, 1)} ms, ` +
    `${formatNumber(result.api.answeredPerS)} answered/s, ${result.server} ${formatNumber(result.serverCpu)} % CPU` +
    (result.fromMemoryPercent === undefined
      ? ''
      : `, ${formatNumber(result.fromMemoryPercent, 1)} % of signals from the gateway's memory`) +
    (result.floor === undefined
      ? ''
      : `; GET /healthz beside the same ingest (the floor): p50 ${formatNumber(result.floor.api.latency.p50, 1)} ms, ` +
        `p99 ${formatNumber(result.floor.api.latency.p99, 1)} ms`) +
    (result.boxFloor === undefined
      ? ''
      : `; a bare Node HTTP server beside the same ingest (the box floor): ` +
        `p50 ${formatNumber(result.boxFloor.api.latency.p50, 1)} ms, p99 ${formatNumber(result.boxFloor.api.latency.p99, 1)} ms`)
  );
}

/** The floor of the API step: the same client on GET /healthz beside the same ingest. */
export function apiFloorLine(floor: FloorFigures, server: string): string {
  return floorLine(
    'floor, the same client on GET /healthz (no credential, Redis or database) beside the same ingest',
    floor,
    server,
  );
}

/** The box floor of the API step: the same client on a bare Node HTTP server beside the same ingest. */
export function apiBoxFloorLine(floor: FloorFigures): string {
  return floorLine(
    'box floor, the same client on a bare Node HTTP server (no framework, a pre-encoded answer of the same size) beside the same ingest',
    floor,
    'bare server',
  );
}

function floorLine(what: string, floor: FloorFigures, server: string): string {
  const { latency } = floor.api;
  return (
    `${what}: p50 ${formatNumber(latency.p50, 1)} ms, p99 ${formatNumber(latency.p99, 1)} ms, ` +
    `max ${formatNumber(latency.max, 1)} ms, ${formatNumber(floor.api.answeredPerS)} answered/s, ` +
    `${server} ${formatNumber(floor.serverCpu)} % CPU`
  );
}

export function apiVerdictLine(mode: string, result: ApiStepResult): string {
  const target = `p99 < ${API_P99_TARGET_MS} ms at ${formatNumber(result.apiRatePerS)} req/s while ingesting`;
  const verdict = `${mode}: ${target}: ${result.verdict.met ? 'met' : `NOT met (${result.verdict.why})`}`;
  // A box whose bare server misses the target too cannot show whether the gateway would meet it.
  const box = result.boxFloor?.api.latency;
  return box !== undefined && box.count > 0 && !(box.p99 < API_P99_TARGET_MS)
    ? `${verdict}; the box floor missed it too (bare server p99 ${formatNumber(box.p99, 1)} ms)`
    : verdict;
}

/** The results as plain data for --json (maps become objects). */
export function resultsJson(modes: readonly ModeResult[], references: References): unknown {
  const step = (one: StepResult) => ({ ...one, cpu: Object.fromEntries(one.cpu) });
  return {
    references,
    modes: modes.map((mode) => ({
      ...mode,
      steps: mode.steps.map(step),
      latencyStep: mode.latencyStep ? step(mode.latencyStep) : undefined,
      // The latencies themselves stay out: the summary is the figure, thousands of numbers are not.
      apiStep: mode.apiStep ? { ...mode.apiStep, ingest: step(mode.apiStep.ingest) } : undefined,
    })),
  };
}
