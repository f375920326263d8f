// Watches a running client, session and subscription: reports the states node-opcua goes through while it
// repairs a connection on its own, and tells the supervisor when the session is beyond that repair.
import type { ClientSession, ClientSubscription, OPCUAClient } from 'node-opcua';
import type { ConnectorContext } from '../types';
import type { OpcuaConnectorConfig } from './config';
import { errorDetail } from './lifecycle';
import type { OpcuaMetrics } from './metrics';
import { resolveNodes, type MonitoredNode } from './node-resolution';

export interface SessionWatch {
  readonly config: OpcuaConnectorConfig;
  readonly context: ConnectorContext;
  readonly metrics: OpcuaMetrics;
}

/** Reports the connection state node-opcua goes through while it repairs on its own; returns the detacher. */
export function watchClient(client: OPCUAClient, watch: SessionWatch, isUp: () => boolean): () => void {
  const { config, context, metrics } = watch;
  const endpointUrl = config.endpointUrl;
  const cleanups: (() => void)[] = [];
  const on = <A extends unknown[]>(event: string, handler: (...args: A) => void) => {
    client.on(event as 'close', handler as () => void);
    cleanups.push(() => client.removeListener(event as 'close', handler as () => void));
  };
  on('backoff', (attempt: number, delayMs: number) => {
    context.setState(
      'disconnected',
      `cannot reach ${endpointUrl} (attempt ${attempt + 1}); next try in ${delayMs} ms`,
    );
  });
  on('connection_lost', () => {
    metrics.sessionUp(false);
    context.setState('disconnected', `connection to ${endpointUrl} lost; reconnecting`);
  });
  on('reconnection_attempt_has_failed', (error: Error) => {
    context.setState('disconnected', `reconnecting to ${endpointUrl} failed: ${errorDetail(error)}`);
  });
  on('connection_reestablished', () => {
    if (isUp())
      context.logger.info(
        { connector: config.id },
        'OPC UA connection re-established; restoring the session',
      );
  });
  return () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  };
}

/**
 * Resolves with the reason once the session is beyond node-opcua's own repair: the session was closed, the
 * subscription terminated, or a restored session's nodes no longer resolve to what is monitored.
 */
export function untilBroken(
  session: ClientSession,
  subscription: ClientSubscription,
  monitored: readonly MonitoredNode[],
  watch: SessionWatch,
  stop: AbortSignal,
): Promise<string> {
  const { config, context, metrics } = watch;
  return new Promise<string>((resolve) => {
    let sessionId = session.sessionId.toString();
    const cleanups: (() => void)[] = [];
    const finish = (reason: string) => {
      for (const cleanup of cleanups.splice(0)) cleanup();
      resolve(reason);
    };
    const on = <A extends unknown[]>(
      emitter: NodeJS.EventEmitter,
      event: string,
      handler: (...args: A) => void,
    ) => {
      emitter.on(event, handler);
      cleanups.push(() => emitter.removeListener(event, handler));
    };
    const onAbort = () => finish('stopped');
    stop.addEventListener('abort', onAbort);
    cleanups.push(() => stop.removeEventListener('abort', onAbort));

    on(session, 'session_closed', (statusCode: { toString(): string }) => {
      finish(`the session was closed (${statusCode.toString()})`);
    });
    on(subscription, 'terminated', () => finish('the server terminated the subscription'));
    let keepAliveFailed = false;
    on(session, 'keepalive_failure', () => {
      keepAliveFailed = true;
      metrics.sessionUp(false);
      context.setState('disconnected', `the server at ${config.endpointUrl} stopped answering keep-alives`);
    });
    on(session, 'keepalive', () => {
      if (!keepAliveFailed) return;
      keepAliveFailed = false;
      metrics.sessionUp(true);
      context.setState(
        'connected',
        connectedDetail(config.endpointUrl, monitored.length, 0, 'keep-alives answered again'),
      );
    });
    on(subscription, 'status_changed', (statusCode: { toString(): string }) => {
      context.logger.warn(
        { connector: config.id, status: statusCode.toString() },
        'the server changed the status of the OPC UA subscription',
      );
    });
    on(session, 'session_restored', () => {
      metrics.reconnected();
      const restoredId = session.sessionId.toString();
      const recreated = restoredId !== sessionId;
      sessionId = restoredId;
      if (!subscription.isActive) {
        finish('the subscription could not be restored with the session');
        return;
      }
      metrics.sessionUp(true);
      context.setState(
        'connected',
        connectedDetail(
          config.endpointUrl,
          monitored.length,
          0,
          recreated ? 'session re-created' : 'session restored',
        ),
      );
      if (!recreated) return;
      // A new session means a new server instance, perhaps with a new address space: check that the
      // configured nodes still resolve to the NodeIds node-opcua re-created the monitored items for. After
      // the repair has finished: requests sent from inside it wait until it is over.
      setImmediate(() => {
        stillResolvesTo(session, monitored, config)
          .then((same) => {
            if (!same) finish('the server restarted with a different address space');
          })
          .catch((error: unknown) =>
            finish(`resolving the nodes after a server restart failed: ${errorDetail(error)}`),
          );
      });
    });
  });
}

async function stillResolvesTo(
  session: ClientSession,
  monitored: readonly MonitoredNode[],
  config: OpcuaConnectorConfig,
): Promise<boolean> {
  const now = await resolveNodes(session, config);
  const before = new Map(monitored.map((node) => [node.tag, node.nodeId.toString()]));
  return now.nodes.every((node) => !before.has(node.tag) || before.get(node.tag) === node.nodeId.toString());
}

export function connectedDetail(
  endpointUrl: string,
  monitoredCount: number,
  problemCount: number,
  how = 'session up',
): string {
  const base = `${how} on ${endpointUrl}, ${monitoredCount} monitored items`;
  return problemCount === 0 ? base : `${base}, ${problemCount} configured nodes not monitored (see log)`;
}
