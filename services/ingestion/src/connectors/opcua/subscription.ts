// One subscription with a monitored item per resolved node. Items sharing sampling interval and deadband are
// created in groups (one CreateMonitoredItems call per group of up to MONITOR_CHUNK nodes), so thousands of
// nodes cost a handful of round trips.
import {
  AttributeIds,
  ClientMonitoredItemGroup,
  DataChangeFilter,
  DataChangeTrigger,
  DeadbandType,
  StatusCodes,
  TimestampsToReturn,
  type ClientMonitoredItemBase,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type MonitoringParametersOptions,
} from 'node-opcua';
import type { OpcuaConnectorConfig, OpcuaDeadband } from './config';
import type { MonitoredNode } from './node-resolution';

/** Nodes per CreateMonitoredItems request; servers cap MaxMonitoredItemsPerCall, often at 1000 or more. */
const MONITOR_CHUNK = 1000;

/** Keep-alive about every 5 s whatever the publishing interval, so a dead server is noticed in seconds. */
const KEEPALIVE_TARGET_MS = 5000;

export type DataChangeHandler = (node: MonitoredNode, dataValue: DataValue) => void;

export interface ActiveSubscription {
  readonly subscription: ClientSubscription;
  /** The nodes the server accepted, in configuration order. */
  readonly monitored: MonitoredNode[];
  /** Nodes the server refused, with its StatusCode. */
  readonly problems: string[];
}

export async function subscribe(
  session: ClientSession,
  config: OpcuaConnectorConfig,
  nodes: readonly MonitoredNode[],
  onDataChange: DataChangeHandler,
): Promise<ActiveSubscription> {
  const publishingIntervalMs = config.subscription.publishingIntervalMs;
  const maxKeepAliveCount = Math.max(2, Math.ceil(KEEPALIVE_TARGET_MS / publishingIntervalMs));
  const subscription = await session.createSubscription2({
    requestedPublishingInterval: publishingIntervalMs,
    requestedMaxKeepAliveCount: maxKeepAliveCount,
    // OPC 10000-4, 5.13.2: the lifetime must be at least 3 keep-alives; sized to outlive the session, so
    // that after a short network break node-opcua can transfer the subscription and republish what it missed.
    requestedLifetimeCount: Math.max(
      3 * maxKeepAliveCount,
      Math.ceil(config.sessionTimeoutMs / publishingIntervalMs),
    ),
    maxNotificationsPerPublish: 0,
    publishingEnabled: true,
    priority: 0,
  });
  subscription.on('error', () => {
    // Reported through 'terminated' and the session events; without a listener an 'error' would crash.
  });

  const monitored: MonitoredNode[] = [];
  const problems: string[] = [];
  const unfiltered: MonitoredNode[] = [];
  for (const batch of batchesOf(nodes)) {
    const results = await monitorBatch(subscription, batch, config, true, onDataChange);
    results.forEach((statusCode, index) => {
      const node = batch[index];
      if (node === undefined) return;
      if (statusCode === StatusCodes.Good.value) monitored.push(node);
      else if (node.deadband.type !== 'none' && FILTER_REFUSED.has(statusCode)) unfiltered.push(node);
      else problems.push(refusal(node, statusCode));
    });
  }
  // A deadband applies to numbers only: the Boolean and String variables of a browsed subtree refuse it, and are
  // monitored without one.
  for (const batch of batchesOf(unfiltered)) {
    const results = await monitorBatch(subscription, batch, config, false, onDataChange);
    results.forEach((statusCode, index) => {
      const node = batch[index];
      if (node === undefined) return;
      if (statusCode === StatusCodes.Good.value) monitored.push(node);
      else problems.push(refusal(node, statusCode));
    });
  }
  return { subscription, monitored, problems };
}

const FILTER_REFUSED: ReadonlySet<number> = new Set([
  StatusCodes.BadFilterNotAllowed.value,
  StatusCodes.BadMonitoredItemFilterUnsupported.value,
  StatusCodes.BadMonitoredItemFilterInvalid.value,
  StatusCodes.BadDeadbandFilterInvalid.value,
]);

function refusal(node: MonitoredNode, statusCode: number): string {
  return `${node.origin} ${node.tag} (${node.nodeId.toString()}): the server refused to monitor it (${statusCodeName(statusCode)})`;
}

function statusCodeName(statusCode: number): string {
  const entry = Object.entries(StatusCodes).find(([, code]) => code.value === statusCode);
  return entry === undefined ? `0x${statusCode.toString(16).padStart(8, '0')}` : entry[0];
}

/** Nodes with the same sampling interval and deadband, at most MONITOR_CHUNK per batch. */
function batchesOf(nodes: readonly MonitoredNode[]): MonitoredNode[][] {
  const byParameters = new Map<string, MonitoredNode[]>();
  for (const node of nodes) {
    const key = JSON.stringify([node.samplingIntervalMs, node.deadband]);
    const same = byParameters.get(key);
    if (same === undefined) byParameters.set(key, [node]);
    else same.push(node);
  }
  const batches: MonitoredNode[][] = [];
  for (const same of byParameters.values()) {
    for (let start = 0; start < same.length; start += MONITOR_CHUNK)
      batches.push(same.slice(start, start + MONITOR_CHUNK));
  }
  return batches;
}

/** Creates the batch's monitored items; returns each item's StatusCode value. */
async function monitorBatch(
  subscription: ClientSubscription,
  batch: readonly MonitoredNode[],
  config: OpcuaConnectorConfig,
  withDeadband: boolean,
  onDataChange: DataChangeHandler,
): Promise<number[]> {
  const first = batch[0];
  if (first === undefined) return [];
  const parameters: MonitoringParametersOptions = {
    samplingInterval: first.samplingIntervalMs,
    queueSize: config.subscription.queueSize,
    discardOldest: config.subscription.discardOldest,
    filter: withDeadband ? dataChangeFilterOf(first.deadband) : null,
  };
  const group = ClientMonitoredItemGroup.create(
    subscription,
    batch.map((node) => ({ nodeId: node.nodeId, attributeId: AttributeIds.Value })),
    parameters,
    TimestampsToReturn.Both,
  );
  // Listening before the items exist: the server may publish first values before CreateMonitoredItems returns.
  group.on('changed', (_item: ClientMonitoredItemBase, dataValue: DataValue, index: number) => {
    const node = batch[index];
    if (node !== undefined) onDataChange(node, dataValue);
  });
  await new Promise<void>((resolve, reject) => {
    group.once('initialized', () => resolve());
    group.once('terminated', (error?: Error) =>
      reject(error ?? new Error('monitored items terminated while created')),
    );
  });
  return group.monitoredItems.map((item) => item.statusCode.value >>> 0);
}

export function dataChangeFilterOf(deadband: OpcuaDeadband): DataChangeFilter | null {
  if (deadband.type === 'none') return null;
  return new DataChangeFilter({
    trigger: DataChangeTrigger.StatusValue,
    deadbandType: deadband.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent,
    deadbandValue: deadband.value,
  });
}
