// The ingestion service's Prometheus metrics (docs/architecture.md section 10: throughput, DLQ count, connector status).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DiskBuffer } from './buffer/disk-buffer';
import type { ConnectorKind, ConnectorState } from './connectors/types';

export type IngestionMetrics = ReturnType<typeof createIngestionMetrics>;

export function createIngestionMetrics(registry: Registry, buffer: () => DiskBuffer | undefined) {
  const registers = [registry];
  const samplesReceived = new Counter({
    name: 'kiln_ingestion_samples_received_total',
    help: 'Samples connectors handed to the pipeline, counted once the store-and-forward buffer wrote them (in a batch, or as dead letters of refused samples).',
    labelNames: ['connector'],
    registers,
  });
  const samplesPublished = new Counter({
    name: 'kiln_ingestion_samples_published_total',
    help: 'Samples the bus acknowledged on kiln.raw.v1.',
    registers,
  });
  const batchesPublished = new Counter({
    name: 'kiln_ingestion_batches_published_total',
    help: 'Buffered entries (sample batches and rejected payloads) the bus acknowledged.',
    registers,
  });
  const publishSeconds = new Histogram({
    name: 'kiln_ingestion_publish_duration_seconds',
    help: 'Time of one publish of buffered entries, retries excluded.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const rejected = new Counter({
    name: 'kiln_ingestion_rejected_total',
    help: 'Input connectors could not read, by cause; each payload goes to kiln.dlq.v1.',
    labelNames: ['connector', 'cause'],
    registers,
  });
  const dropped = new Counter({
    name: 'kiln_ingestion_buffer_dropped_samples_total',
    help: 'Samples the full store-and-forward buffer dropped, by overflow policy.',
    labelNames: ['policy'],
    registers,
  });
  const droppedEntries = new Counter({
    name: 'kiln_ingestion_buffer_dropped_entries_total',
    help: 'Entries (sample batches, rejected payloads) the full store-and-forward buffer dropped.',
    labelNames: ['policy'],
    registers,
  });
  new Gauge({
    name: 'kiln_ingestion_buffer_bytes',
    help: 'Bytes in the store-and-forward buffer, on disk and waiting to be written.',
    registers,
    collect() {
      this.set(buffer()?.stats().bytes ?? 0);
    },
  });
  new Gauge({
    name: 'kiln_ingestion_buffer_samples',
    help: 'Samples in the store-and-forward buffer not yet acknowledged by the bus.',
    registers,
    collect() {
      this.set(buffer()?.stats().samples ?? 0);
    },
  });
  const connectorUp = new Gauge({
    name: 'kiln_ingestion_connector_up',
    help: '1 while a connector is connected to its source (a Modbus connector: to at least one of its devices).',
    labelNames: ['connector', 'kind'],
    registers,
  });
  const busUp = new Gauge({
    name: 'kiln_ingestion_bus_up',
    help: '1 while publishing to the bus succeeds; 0 from a failed attempt or a publish not done within ingestion.forwarder.busDownAfterMs until one succeeds.',
    registers,
  });
  busUp.set(1);
  const invalidSamples = new Counter({
    name: 'kiln_ingestion_invalid_samples_total',
    help: 'Samples the pipeline refused (time outside the plausible window, control characters, non-finite number), by connector and field; each goes to kiln.dlq.v1.',
    labelNames: ['connector', 'field'],
    registers,
  });
  const corruptFrames = new Counter({
    name: 'kiln_ingestion_buffer_corrupt_frames_total',
    help: 'Store-and-forward frames lost to corruption (at recovery and while reading); the frames after them are read on.',
    registers,
  });
  const corruptBytes = new Counter({
    name: 'kiln_ingestion_buffer_corrupt_bytes_total',
    help: 'Store-and-forward bytes skipped or cut off as corrupt or torn.',
    registers,
  });
  const entriesDeadLettered = new Counter({
    name: 'kiln_ingestion_forwarder_dead_lettered_total',
    help: 'Buffered entries the bus refused for good (too large, permanent failure), sent to kiln.dlq.v1 instead, by the topic they were for.',
    labelNames: ['topic'],
    registers,
  });
  const samplesDeadLettered = new Counter({
    name: 'kiln_ingestion_forwarder_dead_lettered_samples_total',
    help: 'Samples inside buffered entries the bus refused for good.',
    registers,
  });
  const forwarderFailures = new Counter({
    name: 'kiln_ingestion_forwarder_failures_total',
    help: 'Failures the forwarder retried, by stage (publish, delivery, buffer) and class (transient, permanent, unknown).',
    labelNames: ['stage', 'class'],
    registers,
  });
  const pipelineFailures = new Counter({
    name: 'kiln_ingestion_pipeline_failures_total',
    help: 'Errors caught inside the pipeline (emit, batch encoding, oversized samples) that would otherwise have ended the process.',
    labelNames: ['stage'],
    registers,
  });
  let unsentAge: () => number = () => 0;
  new Gauge({
    name: 'kiln_ingestion_buffer_oldest_unsent_age_seconds',
    help: 'How long the oldest entry not yet delivered to the bus has waited; readiness fails past ingestion.readiness.maxUnsentAgeMs.',
    registers,
    collect() {
      this.set(unsentAge() / 1000);
    },
  });

  return {
    samplesReceived: (connector: string, count: number) => samplesReceived.inc({ connector }, count),
    published: (entries: number, samples: number, durationMs: number) => {
      batchesPublished.inc(entries);
      samplesPublished.inc(samples);
      publishSeconds.observe(durationMs / 1000);
    },
    rejected: (connector: string, cause: string) => rejected.inc({ connector, cause }),
    dropped: (entries: number, samples: number, policy: string) => {
      droppedEntries.inc({ policy }, entries);
      dropped.inc({ policy }, samples);
    },
    connectorState: (connector: string, kind: ConnectorKind, state: ConnectorState) =>
      connectorUp.set({ connector, kind }, state === 'connected' ? 1 : 0),
    busState: (up: boolean) => busUp.set(up ? 1 : 0),
    invalidSample: (connector: string, field: string) => invalidSamples.inc({ connector, field }),
    corrupt: (frames: number, bytes: number) => {
      if (frames > 0) corruptFrames.inc(frames);
      if (bytes > 0) corruptBytes.inc(bytes);
    },
    entryDeadLettered: (topic: string, samples: number) => {
      entriesDeadLettered.inc({ topic });
      if (samples > 0) samplesDeadLettered.inc(samples);
    },
    forwarderFailure: (stage: string, failureClass: string) =>
      forwarderFailures.inc({ stage, class: failureClass }),
    pipelineFailure: (stage: string) => pipelineFailures.inc({ stage }),
    /** The age in ms of the oldest unsent entry, read at scrape time. */
    watchUnsentAge: (ageMs: () => number) => {
      unsentAge = ageMs;
    },
  };
}
