// The printed results: the reference limits, one table per mode, and a summary of the sustained maxima as
// ratios of the references. Pure: it formats what the run measured.
import type { LatencySummary } from './percentiles';
import type { CopyReference, KafkaReference } from './reference';
import type { StepResult } from './steps';
import { formatNumber, renderTable, type Cell } from './table';

export interface ModeResult {
  readonly mode: string;
  readonly steps: readonly StepResult[];
  readonly sustainedMaxPerS: number | undefined;
  readonly latencyStep: StepResult | undefined;
}

export interface References {
  readonly copy: readonly CopyReference[];
  readonly kafka: KafkaReference | undefined;
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
  return renderTable(['reference limit', 'figure'], rows);
}

export function renderSteps(steps: readonly StepResult[]): string {
  const groups = [...new Set(steps.flatMap((step) => [...step.cpu.keys()]))];
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
    step.verdict.sustained ? 'sustained' : step.verdict.why,
  ]);
  return renderTable(header, rows);
}

function latencyText(latency: LatencySummary | undefined): string {
  if (!latency || latency.count === 0) return 'no probe seen';
  return `p50 ${ms(latency.p50)} ms, p99 ${ms(latency.p99)} ms, max ${ms(latency.max)} ms (${latency.count} probes)`;
}

export function renderSummary(modes: readonly ModeResult[], references: References): string {
  const binaryCopy = references.copy.find((one) => one.format === 'binary')?.rowsPerS;
  const kafka = references.kafka?.samplesPerSEquivalent;
  const ratio = (value: number | undefined, of: number | undefined) =>
    value === undefined || of === undefined || of <= 0 ? '-' : `${formatNumber((value / of) * 100, 1)} %`;
  const rows = modes.map((mode) => [
    mode.mode,
    mode.sustainedMaxPerS === undefined ? 'none sustained' : formatNumber(mode.sustainedMaxPerS),
    ratio(mode.sustainedMaxPerS, binaryCopy),
    ratio(mode.sustainedMaxPerS, kafka),
    mode.latencyStep ? formatNumber(mode.latencyStep.offeredPerS) : '-',
    latencyText(mode.latencyStep?.latency),
  ]);
  return renderTable(
    [
      'mode',
      'sustained max samples/s',
      'of PG COPY binary',
      'of Kafka raw',
      'latency step /s',
      'sample -> queryable',
    ],
    rows,
  );
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
    })),
  };
}
