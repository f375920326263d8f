// How Kiln reaches an MQTT broker: the connection settings shared by the MQTT JSON and Sparkplug B connectors,
// and the mqtt.js options built from them.
import { readFile } from 'node:fs/promises';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { z } from 'zod';

export const mqttTlsConfigSchema = z.strictObject({
  /** PEM file of the CA that signed the broker's certificate (default: Node's trusted CAs). */
  caFile: z.string().min(1).optional(),
  /** PEM client certificate and key, for brokers that authenticate clients by certificate. */
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  /** Whether to refuse a broker certificate that does not verify; turn off only on a test bench. */
  rejectUnauthorized: z.boolean().default(true),
});

export type MqttTlsConfig = z.infer<typeof mqttTlsConfigSchema>;

/** The connection fields every MQTT-based connector has (spread into its strictObject). */
export const mqttConnectionShape = {
  /** Unique within the service configuration; names metrics and source ids. */
  id: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" and "-" only'),
  /** `mqtt://host:1883` or `mqtts://host:8883`. */
  url: z.string().regex(/^mqtts?:\/\/[^/\s]+\/?$/, 'an mqtt:// or mqtts:// URL such as mqtt://broker:1883'),
  /** The MQTT client id; default `kiln-<kind>-<id>`, stable across restarts so a persistent session survives. */
  clientId: z.string().min(1).max(128).optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  tls: mqttTlsConfigSchema.optional(),
  /** Wait between reconnect attempts. */
  reconnectPeriodMs: z.number().int().min(100).max(300_000).default(2_000),
  /** How long one connection attempt may take. */
  connectTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
  /**
   * true (default): a QoS 1/2 message is acknowledged (PUBACK, PUBCOMP) only once its samples are written to the
   * store-and-forward buffer, so a kill -9 of ingestion loses none of them; mqtt.js then takes one message at a
   * time (docs/ingestion.md gives the rate). false: acknowledged on receipt, several times faster, and a kill -9
   * loses what was acknowledged but still in memory (up to batching.lingerMs of samples).
   */
  ackAfterDurable: z.boolean().default(true),
} as const;

export interface MqttConnectionConfig {
  readonly url: string;
  readonly clientId?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tls?: MqttTlsConfig | undefined;
  readonly reconnectPeriodMs: number;
  readonly connectTimeoutMs: number;
}

/** mqtt.js options for a connection; reads the TLS files, naming the config key of a file it cannot read. */
export async function buildClientOptions(
  config: MqttConnectionConfig,
  defaultClientId: string,
): Promise<IClientOptions> {
  const options: IClientOptions = {
    clientId: config.clientId ?? defaultClientId,
    protocolVersion: 4,
    reconnectPeriod: config.reconnectPeriodMs,
    connectTimeout: config.connectTimeoutMs,
    // The connectors subscribe themselves on every `connect` (they know whether the session survived).
    resubscribe: false,
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  const tls = config.tls;
  if (tls !== undefined) {
    options.rejectUnauthorized = tls.rejectUnauthorized;
    if (tls.caFile !== undefined) options.ca = await readPem(tls.caFile, 'tls.caFile');
    if (tls.certFile !== undefined) options.cert = await readPem(tls.certFile, 'tls.certFile');
    if (tls.keyFile !== undefined) options.key = await readPem(tls.keyFile, 'tls.keyFile');
  }
  return options;
}

async function readPem(path: string, key: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read ${key} "${path}": ${reason}`);
  }
}

/** The broker URL without credentials, for logs and state details. */
export function describeBroker(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'the configured broker';
  }
}

/**
 * Makes `client` acknowledge a QoS 1 or 2 message (PUBACK; PUBCOMP for QoS 2) only once what the connector did
 * with it is durable: the returned `hold(packet, durable)` is called from the 'message' handler, which mqtt.js
 * runs just before `handleMessage`, whose callback sends the acknowledgement ("override at will, always call
 * callback", mqtt.js). mqtt.js handles the next packet only after that callback, so messages are taken one at a
 * time: the rate is 1 / (time to write one tick's batch), see docs/ingestion.md. A message whose samples the
 * buffer refused is not acknowledged: the broker delivers it again on the next connection of a persistent session.
 */
export function acknowledgeWhenDurable(
  client: MqttClient,
  onNotDurable: (error: unknown, packet: IPublishPacket) => void,
): (packet: IPublishPacket, durable: Promise<void>) => void {
  const waits = new WeakMap<IPublishPacket, Promise<void>>();
  client.handleMessage = (packet, callback) => {
    const durable = waits.get(packet);
    if (durable === undefined) {
      callback();
      return;
    }
    waits.delete(packet);
    durable.then(
      () => callback(),
      (error: unknown) => {
        onNotDurable(error, packet);
        callback(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };
  return (packet, durable) => {
    // QoS 0 is never acknowledged: nothing to hold back (and no handleMessage wait to slow it down).
    if (packet.qos === 0) {
      durable.catch(() => undefined);
      return;
    }
    waits.set(packet, durable);
  };
}
