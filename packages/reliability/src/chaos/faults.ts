// The faults of the suite, one at a time, each while the load runs. Each returns what happened, for the notes.
import type { ChaosPlatform, ServiceName } from './platform';

export interface Fault {
  /** The phase name: also the id of the phase's OEE asset. */
  readonly id: string;
  /** The first column of the table. */
  readonly title: string;
  inject(platform: ChaosPlatform, outageMs: number): Promise<string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Load that runs between two kills: the second kill finds a restarted service under load, with its own backlog. */
const BETWEEN_KILLS_MS = 5_000;

/**
 * Kills the service with SIGKILL `times` times: each time it waits until the service is ready again, then lets
 * the load run `betweenMs` before the next kill. The note names every restart.
 */
export async function killRepeatedly(
  platform: Pick<ChaosPlatform, 'restart'>,
  service: ServiceName,
  times: number,
  betweenMs: number,
): Promise<string> {
  const restarts: string[] = [];
  for (let kill = 1; kill <= times; kill++) {
    if (kill > 1) await sleep(betweenMs);
    const ms = await platform.restart(service, 'SIGKILL');
    restarts.push(`kill ${kill}: ready again after ${seconds(ms)}`);
  }
  const apart = times > 1 ? `, ${seconds(betweenMs)} of load after each restart` : '';
  return `${service} killed (SIGKILL) ${times} times and started again each time${apart}: ${restarts.join('; ')}`;
}

export const FAULTS: readonly Fault[] = [
  {
    id: 'normalization-kill',
    title: 'kill -9 normalization',
    async inject(platform) {
      const ms = await platform.restart('normalization', 'SIGKILL');
      return `normalization killed (SIGKILL) and started again: ready after ${seconds(ms)}`;
    },
  },
  {
    id: 'ingestion-kill',
    title: 'kill -9 ingestion, twice',
    inject: (platform) => killRepeatedly(platform, 'ingestion', 2, BETWEEN_KILLS_MS),
  },
  {
    id: 'broker-stop',
    title: 'Kafka broker stopped',
    async inject(platform, outageMs) {
      const stopped = Date.now();
      await platform.broker.stop('SIGTERM');
      await sleep(Math.max(0, outageMs - (Date.now() - stopped)));
      await platform.broker.start();
      return `broker stopped for ${seconds(Date.now() - stopped)} (until it answered again)`;
    },
  },
  {
    id: 'postgres-cut',
    title: 'PostgreSQL connections cut',
    async inject(platform, outageMs) {
      const cut = Date.now();
      const open = platform.proxy.openConnections();
      await platform.proxy.cut({ mode: 'refuse' });
      await sleep(outageMs);
      await platform.proxy.resume();
      return `${open} open PostgreSQL connections cut and new ones refused for ${seconds(Date.now() - cut)}`;
    },
  },
  {
    id: 'oee-restart',
    title: 'OEE restarted, late events',
    async inject(platform) {
      const ms = await platform.restart('oee', 'SIGKILL');
      return `OEE service killed (SIGKILL) while this phase's events for the closed hour arrived, started again: ready after ${seconds(ms)}`;
    },
  },
];

export const REFERENCE_ID = 'reference';
