// The load generator process (forked by the bench): sets up one channel, then sends at the rate it is told and
// reports its counts every 100 ms until told to stop.
import type { FromGenerator, ToGenerator } from './protocol';
import { HttpLoad } from './http-load';
import { MqttLoad } from './mqtt-load';
import { SparkplugLoad } from './sparkplug-load';

const TICK_MS = 5;

function send(message: FromGenerator): void {
  process.send?.(message);
}

let load: HttpLoad | MqttLoad | SparkplugLoad | undefined;
let ticker: NodeJS.Timeout | undefined;
let reporter: NodeJS.Timeout | undefined;

process.on('message', (message: ToGenerator) => {
  void handle(message).catch((error: unknown) => {
    console.error(
      `load generator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  });
});

async function handle(message: ToGenerator): Promise<void> {
  if (message.type === 'setup') {
    const { setup } = message;
    load =
      setup.channel === 'http'
        ? new HttpLoad(setup)
        : setup.channel === 'mqtt'
          ? await MqttLoad.connect(setup)
          : await SparkplugLoad.connect(setup);
    const running = load;
    ticker = setInterval(() => running.tick(), TICK_MS);
    reporter = setInterval(() => send({ type: 'counts', counts: running.snapshot() }), 100);
    send({ type: 'ready' });
  } else if (message.type === 'rate') {
    load?.setRate(message.samplesPerS);
  } else {
    clearInterval(ticker);
    clearInterval(reporter);
    if (load) send({ type: 'counts', counts: load.snapshot() });
    await load?.close();
    process.exit(0);
  }
}
