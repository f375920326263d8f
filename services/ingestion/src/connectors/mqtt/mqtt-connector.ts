// The MQTT JSON connector: subscribes to the configured topic patterns and turns each message into one sample
// of source `mqtt/<id>`, keyed by its tag (record-key.ts) so that a plant's samples spread over the partitions.
// Bad payloads are rejected to the DLQ and the connector reads on.
import { connect as mqttConnect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Connector, ConnectorContext } from '../types';
import { nowMicros } from '../types';
import type { MqttConnectorConfig } from './config';
import { connectWithAckGate } from './ack-gate';
import { acknowledgeWhenDurable, buildClientOptions, describeBroker } from './connection';
import { createMessageMapper } from './message-mapping';
import { sharedCounter } from './metrics';
import { mqttRecordKey } from './record-key';

/** Seams for tests: how the client is made (a test may keep it to cut its socket). */
export interface MqttConnectorDependencies {
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
}

export function createMqttConnector(
  config: MqttConnectorConfig,
  dependencies: MqttConnectorDependencies = {},
): Connector {
  const connect =
    dependencies.connect ?? ((url: string, options: IClientOptions) => mqttConnect(url, options));
  const sourceId = `mqtt/${config.id}`;
  const broker = describeBroker(config.url);
  let client: MqttClient | undefined;
  let running: ConnectorContext | undefined;
  let stopping = false;

  return {
    id: config.id,
    kind: 'mqtt',

    async start(context: ConnectorContext): Promise<void> {
      if (client !== undefined) throw new Error(`MQTT connector ${config.id} is already started`);
      stopping = false;
      running = context;
      const mapper = createMessageMapper(config.subscriptions);
      const labels = { connector: config.id };
      const received = sharedCounter(
        context.registry,
        'kiln_mqtt_messages_received_total',
        'MQTT messages received by an MQTT JSON connector.',
        ['connector'],
      );
      const emitted = sharedCounter(
        context.registry,
        'kiln_mqtt_samples_emitted_total',
        'Samples an MQTT JSON connector handed to the pipeline.',
        ['connector'],
      );
      const unmatched = sharedCounter(
        context.registry,
        'kiln_mqtt_messages_unmatched_total',
        'MQTT messages whose topic matched no configured subscription (dropped).',
        ['connector'],
      );
      // Several patterns may share a broker filter; the broker needs it once.
      const filters: Record<string, { qos: 0 | 1 | 2 }> = {};
      for (const filter of mapper.brokerFilters) filters[filter] = { qos: config.qos };

      const options = await buildClientOptions(config, `kiln-mqtt-${config.id}`);
      options.clean = config.cleanSession;
      context.setState('starting', `connecting to ${broker}`);
      const notDurable = (error: unknown, packet: IPublishPacket): void =>
        context.logger.error(
          { connector: config.id, topic: packet.topic, err: error },
          'MQTT message not acknowledged: its samples are not durable; the broker delivers it again',
        );
      let started: MqttClient;
      let hold: ((packet: IPublishPacket, durable: Promise<void>) => void) | undefined;
      if (!config.ackAfterDurable) {
        started = connect(config.url, options);
      } else if (dependencies.connect === undefined) {
        // Acknowledgements held back by the transport: messages keep flowing while their writes are under way.
        const gated = connectWithAckGate(config.url, options, notDurable);
        started = gated.client;
        hold = gated.hold;
      } else {
        // A test's own client: acknowledgements held back through handleMessage, one message at a time.
        started = connect(config.url, options);
        hold = acknowledgeWhenDurable(started, notDurable);
      }
      client = started;

      started.on('connect', (connack) => {
        context.setState('connected', broker);
        // Subscribed on every connect, even when the persistent session survived: the configuration may have
        // gained a subscription since. MQTT 3.1.1 then resends retained messages (duplicates the idempotent
        // pipeline absorbs); messages queued in the session are delivered either way.
        if (connack.sessionPresent) {
          context.logger.info({ connector: config.id, broker }, 'MQTT session resumed');
        }
        started.subscribe(filters, (error, granted) => {
          if (error) {
            context.logger.error({ connector: config.id, err: error }, 'MQTT subscribe failed');
            return;
          }
          const refused = (granted ?? []).filter((grant) => grant.qos === 128).map((grant) => grant.topic);
          if (refused.length > 0) {
            context.logger.error(
              { connector: config.id, topics: refused },
              'broker refused subscriptions: check its ACL for this client/user',
            );
            context.setState('connected', `${broker}; refused subscriptions: ${refused.join(', ')}`);
          }
        });
      });
      started.on('message', (topic, payload, packet) => {
        received.inc(labels);
        try {
          const result = mapper.map(topic, payload, nowMicros());
          switch (result.kind) {
            case 'sample': {
              const key = mqttRecordKey(sourceId, result.sample.tag);
              if (packet.qos === 0 || hold === undefined) context.emit(sourceId, [result.sample], key);
              else hold(packet, context.emitDurable(sourceId, [result.sample], key));
              emitted.inc(labels);
              break;
            }
            case 'rejected': {
              const input = {
                sourceId,
                cause: result.cause,
                error: result.error,
                payload: Uint8Array.from(payload),
                origin: topic,
              };
              if (packet.qos === 0 || hold === undefined) context.reject(input);
              else hold(packet, context.rejectDurable(input));
              break;
            }
            case 'unmatched':
              unmatched.inc(labels);
              context.logger.debug({ connector: config.id, topic }, 'MQTT message matched no subscription');
              break;
          }
        } catch (error) {
          context.logger.error({ connector: config.id, topic, err: error }, 'MQTT message handling failed');
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
        context.logger.warn({ connector: config.id, broker, err: error }, 'MQTT connection error');
        if (!stopping) context.setState('disconnected', `${broker}: ${error.message}`);
      });
    },

    async stop(): Promise<void> {
      const stopped = client;
      if (stopped === undefined) return;
      stopping = true;
      client = undefined;
      await stopped.endAsync();
      running?.setState('stopped');
      running = undefined;
    },
  };
}
