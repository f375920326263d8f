// The Sparkplug B host application connector (docs/architecture.md section 11): announces itself on its STATE topic,
// reads the namespace, keeps each edge node's births, sequence and aliases in `SparkplugHostState`, and
// carries out what that state machine answers: samples, rejections, rebirth requests.
import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { MAX_TEXT_LENGTH } from '@kiln/contracts';
import type { Connector, ConnectorContext } from '../types';
import { nowMicros } from '../types';
import { acknowledgeWhenDurable, buildClientOptions, describeBroker } from '../mqtt/connection';
import { sharedCounter } from '../mqtt/metrics';
import type { SparkplugConnectorConfig } from './config';
import { SparkplugHostState, type HostAction } from './host-state';
import { decodeHostStatus, encodeHostStatus } from './host-status';
import { decodeSparkplugPayload, encodeRebirthCommand, SparkplugDecodeError } from './payload-codec';
import { nodeCommandTopic, parseSparkplugTopic, SPARKPLUG_NAMESPACE, stateTopic } from './topic';

/** Seams for tests: how the client is made (a test may keep it to cut its socket) and the clock. */
export interface SparkplugConnectorDependencies {
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
  readonly nowMs?: () => number;
}

interface SparkplugMetrics {
  readonly received: () => void;
  readonly action: (action: HostAction) => void;
}

export function createSparkplugConnector(
  config: SparkplugConnectorConfig,
  dependencies: SparkplugConnectorDependencies = {},
): Connector {
  const connect = dependencies.connect ?? ((url, options) => mqttConnect(url, options));
  const nowMs = dependencies.nowMs ?? (() => Date.now());
  const broker = describeBroker(config.url);
  const ownStateTopic = stateTopic(config.hostId);
  const namespaceFilters =
    config.groups === undefined
      ? [`${SPARKPLUG_NAMESPACE}/#`]
      : config.groups.map((group) => `${SPARKPLUG_NAMESPACE}/${group}/#`);
  let client: MqttClient | undefined;
  let running: ConnectorContext | undefined;
  let stopping = false;
  let expiryTimer: NodeJS.Timeout | undefined;
  // The STATE timestamp of the current MQTT session: the Will and the online message must carry the same one
  // (Sparkplug 3.0, 7.5.2), so it changes only when a new connection is made.
  let sessionTimestamp = nowMs();

  return {
    id: config.id,
    kind: 'sparkplug',

    async start(context: ConnectorContext): Promise<void> {
      if (client !== undefined) throw new Error(`Sparkplug connector ${config.id} is already started`);
      stopping = false;
      running = context;
      const log = context.logger;
      const host = new SparkplugHostState({
        reorderTimeoutMs: config.reorderTimeoutMs,
        rebirthMinIntervalMs: config.rebirthMinIntervalMs,
        limits: { maxTextLength: context.sampleRules?.maxTextLength ?? MAX_TEXT_LENGTH },
      });
      const metrics = createMetrics(context, config.id);

      const options = await buildClientOptions(config, `kiln-sparkplug-${config.hostId}`);
      // Sparkplug 3.0, 7.5.1: a host application connects with a clean session.
      options.clean = true;
      sessionTimestamp = nowMs();
      options.will = willOf(sessionTimestamp);
      context.setState('starting', `connecting to ${broker}`);
      const started = connect(config.url, options);
      client = started;

      const hold = config.ackAfterDurable
        ? acknowledgeWhenDurable(started, (error, packet) =>
            log.error(
              { connector: config.id, topic: packet.topic, err: error },
              'Sparkplug message not acknowledged: its samples are not durable',
            ),
          )
        : undefined;
      /** `durable` collects what the message being handled must wait for before it is acknowledged. */
      const perform = (actions: readonly HostAction[], durable?: Promise<void>[]): void => {
        for (const action of actions) {
          metrics.action(action);
          switch (action.kind) {
            case 'emit':
              if (durable === undefined) context.emit(action.sourceId, action.samples);
              else durable.push(context.emitDurable(action.sourceId, action.samples));
              break;
            case 'reject':
              if (durable === undefined) context.reject(action.input);
              else durable.push(context.rejectDurable(action.input));
              break;
            case 'skipped':
              break;
            case 'rebirth':
              requestRebirth(started, action.groupId, action.edgeNodeId, action.reason);
              break;
            case 'event':
              logEvent(action);
              break;
          }
        }
      };
      const requestRebirth = (
        mqtt: MqttClient,
        groupId: string,
        edgeNodeId: string,
        reason: string,
      ): void => {
        log.info({ connector: config.id, groupId, edgeNodeId, reason }, 'requesting Sparkplug rebirth');
        // NCMD is QoS 0, not retained (Sparkplug 3.0, 7.4).
        mqtt.publish(
          nodeCommandTopic(groupId, edgeNodeId),
          Buffer.from(encodeRebirthCommand(nowMs())),
          { qos: 0 },
          (error) => {
            if (error)
              log.warn({ connector: config.id, groupId, edgeNodeId, err: error }, 'rebirth request not sent');
          },
        );
      };
      const logEvent = (action: Extract<HostAction, { kind: 'event' }>): void => {
        const fields = {
          connector: config.id,
          groupId: action.groupId,
          edgeNodeId: action.edgeNodeId,
          deviceId: action.deviceId,
          detail: action.detail,
        };
        switch (action.event) {
          case 'seq-gap':
          case 'unknown-alias':
            log.warn(fields, `Sparkplug ${action.event}`);
            break;
          default:
            log.info(fields, `Sparkplug ${action.event}`);
        }
      };
      const scheduleExpiry = (): void => {
        if (expiryTimer !== undefined) clearTimeout(expiryTimer);
        expiryTimer = undefined;
        const deadline = host.nextDeadlineMs();
        if (deadline === undefined || stopping) return;
        expiryTimer = setTimeout(
          () => {
            expiryTimer = undefined;
            perform(host.expire(nowMs()));
            scheduleExpiry();
          },
          Math.max(0, deadline - nowMs()),
        );
      };
      const publishOnline = (): void => {
        started.publish(
          ownStateTopic,
          encodeHostStatus({ online: true, timestamp: sessionTimestamp }),
          { qos: 1, retain: true },
          (error) => {
            if (error) {
              log.error(
                { connector: config.id, topic: ownStateTopic, err: error },
                'STATE online not published',
              );
              return;
            }
            context.setState('connected', `${broker} as Sparkplug host ${config.hostId}`);
          },
        );
      };

      started.on('reconnect', () => {
        // A new session gets a new STATE timestamp; mqtt.js builds the CONNECT packet from these options.
        sessionTimestamp = nowMs();
        started.options.will = willOf(sessionTimestamp);
      });
      started.on('connect', () => {
        // Sparkplug 3.0, 7.5.1: subscribe to the namespace and the own STATE topic, then announce online.
        const filters: Record<string, { qos: 1 }> = { [ownStateTopic]: { qos: 1 } };
        for (const filter of namespaceFilters) filters[filter] = { qos: 1 };
        started.subscribe(filters, (error, granted) => {
          const refused = (granted ?? []).filter((grant) => grant.qos === 128).map((grant) => grant.topic);
          if (error || refused.length > 0) {
            log.error(
              { connector: config.id, err: error, refused },
              'Sparkplug subscriptions failed; not announcing the host online (check the broker ACL)',
            );
            context.setState('disconnected', `${broker}: subscriptions refused`);
            return;
          }
          publishOnline();
        });
      });
      started.on('message', (topic, payload, packet) => {
        metrics.received();
        const durable = hold === undefined || packet.qos === 0 ? undefined : ([] as Promise<void>[]);
        try {
          const parsed = parseSparkplugTopic(topic);
          if (parsed === undefined) {
            log.debug({ connector: config.id, topic }, 'not a Sparkplug B topic; ignored');
            return;
          }
          if (parsed.kind === 'state') {
            // Another host's STATE (3.0 JSON or 2.2-era ONLINE/OFFLINE) is none of our business.
            if (parsed.hostId !== config.hostId || stopping) return;
            const status = decodeHostStatus(payload);
            // Sparkplug 3.0, 7.5.2: declared offline while connected, the host publishes online again. The
            // retained Will of its previous session (older timestamp) comes right after subscribing and is
            // replaced by this session's online message anyway; a 2.2-era OFFLINE has no timestamp.
            const declaredOffline =
              status !== undefined &&
              !status.online &&
              (status.timestamp === undefined || status.timestamp >= sessionTimestamp);
            if (declaredOffline && started.connected) publishOnline();
            return;
          }
          const raw = Uint8Array.from(payload);
          let decoded;
          try {
            decoded = decodeSparkplugPayload(raw, { maxDecompressedBytes: config.maxDecompressedBytes });
          } catch (error) {
            const cause = error instanceof SparkplugDecodeError ? error.reason : 'undecodable-protobuf';
            const reason = error instanceof Error ? error.message : String(error);
            const input = {
              sourceId: `sparkplug/${parsed.groupId}/${parsed.edgeNodeId}${parsed.deviceId === undefined ? '' : `/${parsed.deviceId}`}`,
              cause,
              error:
                cause === 'undecodable-protobuf'
                  ? `${parsed.type} payload is not a Sparkplug B protobuf: ${reason}`
                  : `${parsed.type}: ${reason}`,
              payload: raw,
              origin: topic,
            };
            if (durable === undefined) context.reject(input);
            else durable.push(context.rejectDurable(input));
            return;
          }
          perform(
            host.handle({ ...parsed, topic, payload: decoded, raw, receiveTimeUs: nowMicros() }, nowMs()),
            durable,
          );
          scheduleExpiry();
        } catch (error) {
          log.error({ connector: config.id, topic, err: error }, 'Sparkplug message handling failed');
        } finally {
          // A message the host state holds back for a missing seq emits nothing yet and is acknowledged at once
          // (its samples wait in memory; the host's session is clean, so the broker would not redeliver it).
          if (hold !== undefined && durable !== undefined && durable.length > 0) {
            hold(
              packet,
              Promise.all(durable).then(() => undefined),
            );
          }
        }
      });
      started.on('close', () => {
        if (!stopping) {
          context.setState(
            'disconnected',
            `lost ${broker}; reconnecting every ${config.reconnectPeriodMs} ms`,
          );
        }
      });
      started.on('error', (error) => {
        log.warn({ connector: config.id, broker, err: error }, 'MQTT connection error');
        if (!stopping) context.setState('disconnected', `${broker}: ${error.message}`);
      });
    },

    async stop(): Promise<void> {
      const stopped = client;
      if (stopped === undefined) return;
      stopping = true;
      client = undefined;
      if (expiryTimer !== undefined) clearTimeout(expiryTimer);
      expiryTimer = undefined;
      if (stopped.connected) {
        try {
          // Sparkplug 3.0, 7.5.3: offline with the timestamp of this session's online message.
          await stopped.publishAsync(
            ownStateTopic,
            encodeHostStatus({ online: false, timestamp: sessionTimestamp }),
            {
              qos: 1,
              retain: true,
            },
          );
        } catch (error) {
          running?.logger.warn(
            { connector: config.id, err: error },
            'STATE offline not published; the Will will say it',
          );
        }
      }
      await stopped.endAsync();
      running?.setState('stopped');
      running = undefined;
    },
  };

  function willOf(timestamp: number): NonNullable<IClientOptions['will']> {
    return {
      topic: ownStateTopic,
      payload: encodeHostStatus({ online: false, timestamp }),
      qos: 1,
      retain: true,
    };
  }
}

function createMetrics(context: ConnectorContext, connector: string): SparkplugMetrics {
  const { registry } = context;
  const received = sharedCounter(
    registry,
    'kiln_sparkplug_messages_received_total',
    'MQTT messages received by a Sparkplug B host connector.',
    ['connector'],
  );
  const births = sharedCounter(
    registry,
    'kiln_sparkplug_births_total',
    'Sparkplug NBIRTH / DBIRTH messages read.',
    ['connector', 'level'],
  );
  const deaths = sharedCounter(
    registry,
    'kiln_sparkplug_deaths_total',
    'Sparkplug NDEATH / DDEATH messages that ended a session.',
    ['connector', 'level'],
  );
  const rebirths = sharedCounter(
    registry,
    'kiln_sparkplug_rebirth_requests_total',
    'NCMD Node Control/Rebirth requests sent to edge nodes.',
    ['connector'],
  );
  const gaps = sharedCounter(
    registry,
    'kiln_sparkplug_seq_gaps_total',
    'Sparkplug seq gaps declared after the reorder timeout.',
    ['connector'],
  );
  const skipped = sharedCounter(
    registry,
    'kiln_sparkplug_values_skipped_total',
    'Sparkplug metric values read but not emitted, by cause (transient: is_transient, not to be historized).',
    ['connector', 'cause'],
  );
  const unknownAliases = sharedCounter(
    registry,
    'kiln_sparkplug_unknown_aliases_total',
    'Sparkplug data messages with an alias or name their birth did not define.',
    ['connector'],
  );
  return {
    received: () => received.inc({ connector }),
    action: (action) => {
      if (action.kind === 'rebirth') rebirths.inc({ connector });
      if (action.kind === 'skipped') skipped.inc({ connector, cause: action.cause }, action.values);
      if (action.kind !== 'event') return;
      switch (action.event) {
        case 'node-birth':
          births.inc({ connector, level: 'node' });
          break;
        case 'device-birth':
          births.inc({ connector, level: 'device' });
          break;
        case 'node-death':
          deaths.inc({ connector, level: 'node' });
          break;
        case 'device-death':
          deaths.inc({ connector, level: 'device' });
          break;
        case 'seq-gap':
          gaps.inc({ connector });
          break;
        case 'unknown-alias':
          unknownAliases.inc({ connector });
          break;
        default:
          break;
      }
    },
  };
}
