// The topic catalogue (docs/architecture.md section 2): every topic Kiln uses, its key, partitions, retention and
// cleanup policy. Services and the bus import these specs; nobody retypes a topic name.

/** What a topic's record key is. Per-asset topics share one partition count so an asset's data meet. */
export type TopicKey = 'asset-id' | 'source-id' | 'source-record';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

export interface TopicSpec {
  readonly name: string;
  readonly key: TopicKey;
  readonly partitions: number;
  /** -1 keeps records forever. */
  readonly retentionMs: number;
  readonly cleanupPolicy: CleanupPolicy;
  /** The fully qualified protobuf message of every value, or undefined where values are passed on unchanged. */
  readonly messageType: string | undefined;
  readonly description: string;
}

/** Default partition count of every per-asset topic (docs/architecture.md section 2). */
export const DEFAULT_PARTITIONS = 12;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function topic(spec: Omit<TopicSpec, 'partitions'> & { partitions?: number }): TopicSpec {
  return { partitions: DEFAULT_PARTITIONS, ...spec };
}

export const topics = {
  raw: topic({
    name: 'kiln.raw.v1',
    key: 'source-id',
    retentionMs: 3 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: 'kiln.events.v1.RawSampleBatch',
    description: 'Raw samples as connectors read them, batched per source (connector + device).',
  }),
  telemetry: topic({
    name: 'kiln.telemetry.v1',
    key: 'asset-id',
    retentionMs: 7 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: 'kiln.events.v1.TelemetryBatch',
    description: 'Normalized signal values of an asset, with units and quality.',
  }),
  machineState: topic({
    name: 'kiln.machine-state.v1',
    key: 'asset-id',
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: 'kiln.events.v1.MachineStateEvent',
    description: 'Canonical machine-state changes of an asset, and stop reasons assigned later.',
  }),
  productionCount: topic({
    name: 'kiln.production-count.v1',
    key: 'asset-id',
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: 'kiln.events.v1.ProductionCountBatch',
    description: 'Production counter increments (total, good, scrap) of an asset.',
  }),
  erpOrder: topic({
    name: 'kiln.erp.order.v1',
    key: 'asset-id',
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: 'kiln.events.v1.ProductionOrder',
    description: 'Production orders (operations) from ERP, per asset, on every change.',
  }),
  erpShift: topic({
    name: 'kiln.erp.shift.v1',
    key: 'asset-id',
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: 'kiln.events.v1.Shift',
    description: 'Shift calendar entries with planned breaks, per asset.',
  }),
  oee: topic({
    name: 'kiln.oee.v1',
    key: 'asset-id',
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: 'kiln.events.v1.OeeResult',
    description: 'Closed or corrected OEE windows (hour, shift, order, day) of an asset.',
  }),
  maintenanceAlert: topic({
    name: 'kiln.maintenance.alert.v1',
    key: 'asset-id',
    retentionMs: 90 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: 'kiln.events.v1.MaintenanceAlert',
    description: 'Maintenance alerts as they open, change and resolve.',
  }),
  maintenanceHealth: topic({
    name: 'kiln.maintenance.health.v1',
    key: 'asset-id',
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: 'kiln.events.v1.AssetHealth',
    description: 'Asset health index, anomaly scores and remaining useful life, once per feature window.',
  }),
  dlq: topic({
    name: 'kiln.dlq.v1',
    key: 'source-record',
    retentionMs: 30 * DAY_MS,
    cleanupPolicy: 'delete',
    messageType: undefined,
    description:
      'Records a consumer could not process, unchanged, with headers naming source topic, partition, ' +
      'offset, service and error.',
  }),
} as const satisfies Record<string, TopicSpec>;

export type TopicId = keyof typeof topics;

export const topicCatalogue: readonly TopicSpec[] = Object.values(topics);

/** The catalogue with every partition count replaced, for deployments that size topics differently. */
export function catalogueWithPartitions(partitions: number): TopicSpec[] {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`topic partitions must be a whole number >= 1, got ${String(partitions)}`);
  }
  return topicCatalogue.map((spec) => ({ ...spec, partitions }));
}

export function topicSpec(name: string): TopicSpec | undefined {
  return topicCatalogue.find((spec) => spec.name === name);
}
