// Acknowledgement after durability without taking one message at a time. mqtt.js sends a PUBACK from the
// callback of `handleMessage` and reads the next packet only after it; holding that callback until the samples
// are written (connection.ts, acknowledgeWhenDurable) makes a connection's rate 1 / (write latency). Here
// `handleMessage` calls back at once and the transport holds back what mqtt.js writes instead: the connection is
// built through mqtt.js's documented `new MqttClient(streamBuilder, options)`, and the stream it gets passes
// outgoing bytes to the socket only once every message received before them is durable. A PUBACK is written
// after its message was handed to the pipeline, so it leaves only once that message's samples are written; many
// messages of one turn of the event loop share one buffer write. Whatever else mqtt.js sends (PINGREQ,
// SUBSCRIBE) waits the same few hundred microseconds. When the buffer refuses a message's samples, the socket is
// destroyed before its PUBACK leaves: mqtt.js reconnects and the broker redelivers what was not acknowledged.
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { MqttClient, type IClientOptions, type IPublishPacket } from 'mqtt';

export interface GatedConnection {
  readonly client: MqttClient;
  /** Called from the 'message' handler: the acknowledgement of `packet` (and all after) waits for `durable`. */
  hold(packet: IPublishPacket, durable: Promise<void>): void;
}

export function connectWithAckGate(
  url: string,
  options: IClientOptions,
  onNotDurable: (error: unknown, packet: IPublishPacket) => void,
): GatedConnection {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'mqtts:';
  const host = parsed.hostname;
  const port = parsed.port === '' ? (secure ? 8883 : 1883) : Number(parsed.port);
  let stream: GatedStream | undefined;
  const build = (): GatedStream => {
    const socket = secure
      ? tlsConnect({
          host,
          port,
          // RFC 6066: no SNI for an IP address.
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(options.ca === undefined ? {} : { ca: options.ca }),
          ...(options.cert === undefined ? {} : { cert: options.cert }),
          ...(options.key === undefined ? {} : { key: options.key }),
          rejectUnauthorized: options.rejectUnauthorized ?? true,
        })
      : netConnect({ host, port });
    stream = new GatedStream(socket);
    return stream;
  };
  const client = new MqttClient(build, options);
  return {
    client,
    hold: (packet, durable) => {
      const current = stream;
      if (packet.qos === 0 || current === undefined) {
        durable.catch(() => undefined);
        return;
      }
      current.waitFor(durable, (error) => onNotDurable(error, packet));
    },
  };
}

/** A socket whose outgoing bytes wait for the durability of everything received before they were written. */
class GatedStream extends Duplex {
  private gate: Promise<void> = Promise.resolve();
  /**
   * Durability promises of messages received since the gate was last extended, each once (the messages of one
   * batch share one). Joined into the gate only when bytes are about to leave: not a promise chain per message.
   */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly transport: Socket) {
    // Well above what mqtt.js writes while a buffer write is under way: its writes never see backpressure here.
    super({ writableHighWaterMark: 4 * 1024 * 1024 });
    transport.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) transport.pause();
    });
    transport.on('end', () => this.push(null));
    transport.on('error', (error) => this.destroy(error));
    transport.on('close', () => this.destroy());
  }

  waitFor(durable: Promise<void>, onRefused: (error: unknown) => void): void {
    if (this.pending.has(durable)) return;
    this.pending.add(durable);
    durable.catch((error: unknown) => {
      if (this.destroyed) return;
      onRefused(error);
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  }

  /** The gate over everything received so far. */
  private closedGate(): Promise<void> {
    if (this.pending.size > 0) {
      this.gate = Promise.all([this.gate, ...this.pending]).then(() => undefined);
      this.pending.clear();
    }
    return this.gate;
  }

  override _read(): void {
    this.transport.resume();
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.closedGate().then(
      () => {
        if (this.transport.destroyed) {
          callback(new Error('the MQTT connection is closed'));
          return;
        }
        this.transport.write(Buffer.concat(chunks.map((entry) => entry.chunk)), (error) => callback(error));
      },
      // Not durable: nothing after it leaves (waitFor destroys the stream).
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.closedGate().then(
      () => this.transport.end(() => callback()),
      () => callback(),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.transport.destroy();
    callback(error);
  }
}
