// A ConnectorContext for connector tests: keeps what the connector emitted, rejected and reported, so a test
// can check it against what the real protocol peer sent.
import { createLogger, createMetricsRegistry } from '@kiln/service-kit';
import type { ConnectorContext, ConnectorState, RejectedInput, Sample } from '../../src/connectors/types';
import type { SampleRules } from '../../src/pipeline/sample-check';

export interface CollectingContext extends ConnectorContext {
  readonly samples: { sourceId: string; sample: Sample }[];
  readonly rejected: RejectedInput[];
  readonly states: { state: ConnectorState; detail?: string }[];
  /** Samples of one tag, in the order they were emitted. */
  samplesOf(tag: string): Sample[];
  currentState(): ConnectorState | undefined;
}

export function collectingContext(name = 'test-connector', sampleRules?: SampleRules): CollectingContext {
  const samples: { sourceId: string; sample: Sample }[] = [];
  const rejected: RejectedInput[] = [];
  const states: { state: ConnectorState; detail?: string }[] = [];
  return {
    logger: createLogger({
      service: name,
      level: process.env['KILN_TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'warn',
    }),
    registry: createMetricsRegistry({ service: name, processMetrics: false }),
    ...(sampleRules === undefined ? {} : { sampleRules }),
    samples,
    rejected,
    states,
    emit: (sourceId, emitted) => {
      for (const sample of emitted) samples.push({ sourceId, sample });
    },
    // Kept in memory is as durable as this context gets.
    emitDurable: async (sourceId, emitted) => {
      for (const sample of emitted) samples.push({ sourceId, sample });
    },
    reject: (input) => {
      rejected.push(input);
    },
    rejectDurable: async (input) => {
      rejected.push(input);
    },
    setState: (state, detail) => {
      states.push(detail === undefined ? { state } : { state, detail });
    },
    samplesOf: (tag) => samples.filter((entry) => entry.sample.tag === tag).map((entry) => entry.sample),
    currentState: () => states[states.length - 1]?.state,
  };
}
