// The run's own MQTT broker: Mosquitto (the machine's binary) on a free port, configured for a load of tens of
// thousands of QoS 1 messages a second (and of Sparkplug's QoS 0 ones). Mosquitto's defaults (20 QoS 1 messages in flight to a subscriber, 1,000
// queued for it) cap what one subscriber receives at 20 per round trip and silently drop what queues beyond 1,000:
// a bench on them measures the broker's defaults, not Kiln. Production brokers need the same settings
// (docs/ingestion.md). MQTT_URL points the bench at another broker instead.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';

/** The configuration of the run's broker. */
export function brokerConfig(port: number): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    // 0: no limit on QoS 1 messages in flight to a client, nor on those queued for it. With both at 0 (and no
    // byte limits) Mosquitto also hands every QoS 0 message to a connected subscriber however far behind it is
    // (db__ready_for_flight): the Sparkplug load's DDATA, QoS 0 as Sparkplug 3.0 publishes it, is never dropped.
    'max_inflight_messages 0',
    'max_queued_messages 0',
    '',
  ].join('\n');
}

export interface Broker {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startBroker(runDir: string, port: number): Promise<Broker> {
  if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} not found: set MQTT_URL to a broker to use`);
  const file = join(runDir, 'mosquitto.conf');
  writeFileSync(file, brokerConfig(port));
  const log = createWriteStream(join(runDir, 'mosquitto.log'), { flags: 'a' });
  const child = spawn(MOSQUITTO, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${MOSQUITTO}`);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on ${port} (log: ${join(runDir, 'mosquitto.log')})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Mosquitto ends at once on SIGTERM; one that does not is killed rather than waited for.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
