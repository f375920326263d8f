// The OPC UA connector: one client, one session, one subscription per connector, kept alive by a supervisor.
//
// Who repairs what:
// - A broken connection (network, server busy) is node-opcua's: it reopens the secure channel, reactivates the
//   session, and asks the server to republish the notifications it missed; where the server lost the session
//   (restart) it creates a new one and transfers or re-creates the subscription and its monitored items.
// - Everything node-opcua cannot repair is the supervisor's: a session that never came up (server down at start,
//   wrong password, untrusted certificate), a subscription the server terminated, a restarted server whose address
//   space moved (browse paths resolving to other NodeIds). It drops the client and builds a new one, with backoff.
//
// What "no value lost" means here: while the session is up, every value the server samples reaches `emit`, as long
// as the queue (subscription.queueSize) holds what is sampled between two publish cycles. While the connection is
// broken the server keeps queueing, and node-opcua's Republish/TransferSubscriptions recovers the notifications
// the server still holds when the session survives the break. Values changed while the server itself was down,
// or after the session timed out, are lost: the first sample after recovery is the current value.
import {
  MessageSecurityMode,
  OPCUAClient,
  OPCUACertificateManager,
  SecurityPolicy,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
} from 'node-opcua';
import { isLoopbackHost } from '@kiln/service-kit';
import { nowMicros, type Connector, type ConnectorContext, type Sample } from '../types';
import { effectiveSecurityPolicy, type OpcuaConnectorConfig } from './config';
import { encodeDataValue, sampleOf } from './data-value';
import { errorDetail, abortable, settleWithin, sleep, StopRequested } from './lifecycle';
import { createOpcuaMetrics, type OpcuaMetrics } from './metrics';
import { resolveNodes, type MonitoredNode } from './node-resolution';
import { loadTrustedCertificates, userIdentityOf } from './security';
import { connectedDetail, untilBroken, watchClient } from './session-watch';
import { subscribe } from './subscription';

/** How long stop() waits for each of terminate subscription, close session, disconnect. */
const CLOSE_STEP_TIMEOUT_MS = 1500;

export function createOpcuaConnector(config: OpcuaConnectorConfig): Connector {
  return new OpcuaConnector(config);
}

interface Running {
  readonly context: ConnectorContext;
  readonly metrics: OpcuaMetrics;
  readonly certificateManager: OPCUACertificateManager;
  readonly stop: AbortController;
  readonly supervisor: Promise<void>;
}

/** What one client generation ended with: whether its session ever came up, and why it ended. */
interface SessionOutcome {
  readonly wasUp: boolean;
  readonly reason: string;
}

class OpcuaConnector implements Connector {
  readonly kind = 'opcua' as const;
  readonly id: string;
  private readonly sourceId: string;
  private running: Running | undefined;
  /** Samples of the current notification message, emitted together once node-opcua has dispatched it. */
  private pending: Sample[] = [];
  private flushScheduled = false;
  private sessionsUp = 0;

  constructor(private readonly config: OpcuaConnectorConfig) {
    this.id = config.id;
    this.sourceId = `opcua/${config.id}`;
  }

  async start(context: ConnectorContext): Promise<void> {
    if (this.running !== undefined) throw new Error(`OPC UA connector ${this.id} is already started`);
    context.setState('starting');
    const host = new URL(this.config.endpointUrl).hostname;
    if (this.config.securityMode === 'None' && !isLoopbackHost(host)) {
      context.logger.warn(
        { connector: this.id, endpointUrl: this.config.endpointUrl },
        `OPC UA connector ${this.id} reads ${host} with security mode None: values cross the network unsigned ` +
          'and in clear (securityMode SignAndEncrypt is the default)',
      );
    }
    const metrics = createOpcuaMetrics(context.registry, this.id);
    const certificateManager = new OPCUACertificateManager({
      rootFolder: this.config.pki.folder,
      automaticallyAcceptUnknownCertificate: this.config.pki.automaticallyAcceptUnknownCertificate,
    });
    await certificateManager.initialize();
    // A missing or unreadable certificate file is a configuration error: fail start, naming the key.
    for (const certificate of await loadTrustedCertificates(this.config.pki.trustedServerCertificates)) {
      await certificateManager.trustCertificate(certificate);
    }
    const stop = new AbortController();
    const partial = { context, metrics, certificateManager, stop };
    this.running = { ...partial, supervisor: this.supervise(partial) };
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    running.stop.abort();
    await settleWithin(running.supervisor, 4 * CLOSE_STEP_TIMEOUT_MS);
    this.flush(running.context);
    await settleWithin(running.certificateManager.dispose(), CLOSE_STEP_TIMEOUT_MS);
    running.metrics.sessionUp(false);
    running.context.setState('stopped');
  }

  private async supervise(running: Omit<Running, 'supervisor'>): Promise<void> {
    const { initialDelayMs, maxDelayMs } = this.config.reconnect;
    let failures = 0;
    while (!running.stop.signal.aborted) {
      const outcome = await this.runClient(running);
      if (running.stop.signal.aborted) return;
      failures = outcome.wasUp ? 0 : failures + 1;
      const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, failures - 1));
      running.context.logger.warn(
        { connector: this.id, endpointUrl: this.config.endpointUrl, reason: outcome.reason, delayMs },
        'OPC UA session ended; building a new one',
      );
      running.context.setState('disconnected', `${outcome.reason}; retrying in ${delayMs} ms`);
      await sleep(delayMs, running.stop.signal);
    }
  }

  /** One client generation: connect, session, subscription; returns when it broke beyond node-opcua's repair. */
  private async runClient(running: Omit<Running, 'supervisor'>): Promise<SessionOutcome> {
    const { context, metrics, stop } = running;
    const client = this.createClient(running.certificateManager);
    let session: ClientSession | undefined;
    let subscription: ClientSubscription | undefined;
    let wasUp = false;
    const watch = { config: this.config, context, metrics };
    const detach = watchClient(client, watch, () => wasUp);
    try {
      await abortable(client.connect(this.config.endpointUrl), stop.signal);
      session = await abortable(client.createSession(await userIdentityOf(this.config.auth)), stop.signal);
      const resolution = await abortable(resolveNodes(session, this.config), stop.signal);
      const active = await abortable(
        subscribe(session, this.config, resolution.nodes, (node, dataValue) =>
          this.onDataChange(context, node, dataValue),
        ),
        stop.signal,
      );
      subscription = active.subscription;
      const problems = [...resolution.problems, ...active.problems];
      for (const problem of problems)
        context.logger.warn({ connector: this.id, problem }, 'OPC UA node not monitored');
      wasUp = true;
      if (this.sessionsUp > 0) metrics.reconnected();
      this.sessionsUp += 1;
      metrics.monitoredItems(active.monitored.length);
      metrics.sessionUp(true);
      context.setState(
        'connected',
        connectedDetail(this.config.endpointUrl, active.monitored.length, problems.length),
      );
      const reason = await untilBroken(session, active.subscription, active.monitored, watch, stop.signal);
      return { wasUp, reason };
    } catch (error) {
      if (error instanceof StopRequested) return { wasUp, reason: 'stopped' };
      return { wasUp, reason: `${wasUp ? 'session lost' : 'cannot open a session'}: ${errorDetail(error)}` };
    } finally {
      metrics.sessionUp(false);
      metrics.monitoredItems(0);
      detach();
      await this.close(client, session, subscription);
    }
  }

  private createClient(certificateManager: OPCUACertificateManager): OPCUAClient {
    const { initialDelayMs, maxDelayMs } = this.config.reconnect;
    return OPCUAClient.create({
      applicationName: 'Kiln ingestion',
      clientName: `kiln-${this.id}`,
      endpointMustExist: false,
      keepSessionAlive: true,
      requestedSessionTimeout: this.config.sessionTimeoutMs,
      // maxRetry -1 is node-opcua's "for ever": the first connection and every reconnection retry with backoff.
      connectionStrategy: { maxRetry: -1, initialDelay: initialDelayMs, maxDelay: maxDelayMs },
      securityMode: MessageSecurityMode[this.config.securityMode],
      securityPolicy: SecurityPolicy[effectiveSecurityPolicy(this.config)],
      clientCertificateManager: certificateManager,
    });
  }

  private onDataChange(context: ConnectorContext, node: MonitoredNode, dataValue: DataValue): void {
    const converted = sampleOf(node.tag, dataValue, nowMicros());
    if (!converted.ok) {
      this.flush(context); // keeps this tag's order between what was emitted and what is rejected
      context.reject({
        sourceId: this.sourceId,
        cause: converted.cause,
        error: new Error(`${node.tag} (${node.nodeId.toString()}, ${node.origin}): ${converted.reason}`),
        payload: encodeDataValue(dataValue),
        origin: node.nodeId.toString(),
      });
      return;
    }
    this.pending.push(converted.sample);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // node-opcua dispatches one notification message synchronously: emit its samples together afterwards.
      queueMicrotask(() => this.flush(context));
    }
    this.running?.metrics.dataChanges(1);
  }

  private flush(context: ConnectorContext): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const samples = this.pending;
    this.pending = [];
    context.emit(this.sourceId, samples);
  }

  /** Closes what exists, each step bounded in time: the server may be gone. */
  private async close(
    client: OPCUAClient,
    session: ClientSession | undefined,
    subscription: ClientSubscription | undefined,
  ): Promise<void> {
    const reachable = !client.isReconnecting;
    if (subscription !== undefined && reachable)
      await settleWithin(subscription.terminate(), CLOSE_STEP_TIMEOUT_MS);
    if (session !== undefined && reachable) await settleWithin(session.close(true), CLOSE_STEP_TIMEOUT_MS);
    await settleWithin(client.disconnect(), CLOSE_STEP_TIMEOUT_MS);
  }
}
