// Every change as one plain JSON message: {"value", "timestamp", "quality"} on a topic built from a template.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '@kiln/service-kit';
import type { SimulatorConfig } from '../config';
import type { Plant, SignalChange } from '../model';

export interface MqttJsonPublisherOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly topicTemplate: string;
  readonly qos: 0 | 1 | 2;
  readonly timestampFormat: 'iso' | 'epochMs';
  readonly clientId?: string;
  /** enterprise/site/area for the template placeholders. */
  readonly plant: Pick<SimulatorConfig['plant'], 'enterprise' | 'site' | 'area'>;
}

export interface MqttJsonPublisherStats {
  readonly published: number;
  readonly failed: number;
  readonly connected: boolean;
}

export interface MqttJsonPublisherHandle {
  stats(): MqttJsonPublisherStats;
  /** Resolves when every message handed to the client so far has been acknowledged (QoS > 0) or written. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

const PLACEHOLDER = /\{(enterprise|site|area|line|machine|signal|assetId)\}/g;

/** Fills `kiln-sim/{line}/{machine}/{signal}`-style templates; unknown placeholders are left as they are. */
export function renderTopic(
  template: string,
  plant: MqttJsonPublisherOptions['plant'],
  change: Pick<SignalChange, 'assetId' | 'lineId' | 'machineId' | 'signal'>,
): string {
  const values: Record<string, string> = {
    enterprise: plant.enterprise,
    site: plant.site,
    area: plant.area,
    line: change.lineId,
    machine: change.machineId,
    signal: change.signal,
    assetId: change.assetId,
  };
  return template.replace(PLACEHOLDER, (_match, name: string) => values[name] ?? '');
}

export async function startMqttJsonPublisher(
  plant: Plant,
  options: MqttJsonPublisherOptions,
  logger?: Logger,
): Promise<MqttJsonPublisherHandle> {
  const client: MqttClient = await mqtt.connectAsync(options.url, {
    clientId: options.clientId ?? `kiln-sim-json-${process.pid}-${Date.now().toString(36)}`,
    username: options.username,
    password: options.password,
    reconnectPeriod: 1_000,
  });
  let published = 0;
  let failed = 0;
  let pending = 0;
  let waiters: (() => void)[] = [];
  const settle = (): void => {
    pending -= 1;
    if (pending === 0) {
      const done = waiters;
      waiters = [];
      for (const resolve of done) resolve();
    }
  };
  client.on('error', (error) => logger?.warn({ err: error, url: options.url }, 'MQTT JSON publisher error'));

  const unsubscribe = plant.onChange((change) => {
    const timestamp =
      options.timestampFormat === 'iso' ? new Date(change.sourceTimeMs).toISOString() : change.sourceTimeMs;
    const payload = JSON.stringify({ value: change.value, timestamp, quality: 'good' });
    pending += 1;
    client.publish(
      renderTopic(options.topicTemplate, options.plant, change),
      payload,
      { qos: options.qos },
      (error) => {
        if (error === undefined || error === null) published += 1;
        else failed += 1;
        settle();
      },
    );
  });
  logger?.info({ url: options.url, topicTemplate: options.topicTemplate }, 'MQTT JSON publisher connected');

  return {
    stats: () => ({ published, failed, connected: client.connected }),
    flush: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    async stop() {
      unsubscribe();
      await client.endAsync();
    },
  };
}
