// The pipeline under test: its own Kafka broker, a TCP proxy in front of PostgreSQL, and ingestion,
// normalization and OEE each as its own `kiln start <service>` process. A service that exits without being
// told to is noted and started again, as a supervisor (Kubernetes) would; the note goes into the report.
import { join } from 'node:path';
import { freePort, ownBroker, startTcpProxy, type OwnBroker, type TcpProxy } from '@kiln/test-infra';
import { startKiln, type KilnProcess } from '../processes';
import type { ConfigFiles, ServicePorts } from './configuration';

export type ServiceName = 'ingestion' | 'normalization' | 'oee';
export const SERVICE_NAMES: readonly ServiceName[] = ['ingestion', 'normalization', 'oee'];

const READY_TIMEOUT_MS = 120_000;
const MAX_UNEXPECTED_RESTARTS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ChaosPlatform {
  private readonly processes = new Map<ServiceName, KilnProcess>();
  private readonly stopping = new Set<ServiceName>();
  private readonly unexpectedRestarts = new Map<ServiceName, number>();
  private readonly crashNotes: string[] = [];
  private closed = false;

  constructor(
    readonly runDir: string,
    readonly broker: OwnBroker,
    readonly proxy: TcpProxy,
    private readonly ports: ServicePorts,
    private readonly configFiles: ConfigFiles,
  ) {}

  static async startInfrastructure(
    runDir: string,
    postgres: { host: string; port: number },
  ): Promise<{ broker: OwnBroker; proxy: TcpProxy }> {
    // The broker takes its port and the next one (controller); look for a pair that is free.
    const brokerPort = await freePair();
    const broker = ownBroker({ port: brokerPort, dir: join(runDir, 'kafka') });
    await broker.start();
    const proxy = await startTcpProxy({ target: postgres });
    return { broker, proxy };
  }

  opsPort(service: ServiceName): number {
    return {
      ingestion: this.ports.ingestionOps,
      normalization: this.ports.normalizationOps,
      oee: this.ports.oeeOps,
    }[service];
  }

  /** Starts the service and waits until its /readyz answers 200. */
  async start(service: ServiceName): Promise<number> {
    const started = Date.now();
    const child = startKiln(
      service,
      ['start', service, '--config', this.configFiles[service]],
      join(this.runDir, `${service}.log`),
    );
    this.processes.set(service, child);
    void child.exited.then((code) => this.onExit(service, child, code));
    await this.waitReady(service, child);
    return Date.now() - started;
  }

  /** Kills the service with the signal and starts it again; resolves with the ms until it is ready again. */
  async restart(service: ServiceName, signal: 'SIGKILL' | 'SIGTERM'): Promise<number> {
    const running = this.processes.get(service);
    const started = Date.now();
    if (running) {
      this.stopping.add(service);
      await running.stop(signal);
      this.stopping.delete(service);
    }
    await this.start(service);
    return Date.now() - started;
  }

  /** Services that exited on their own since the last call, with their exit codes. */
  takeCrashNotes(): string[] {
    return this.crashNotes.splice(0, this.crashNotes.length);
  }

  errorLines(): Array<{ service: ServiceName; count: number; first: string[] }> {
    return SERVICE_NAMES.map((service) => {
      const lines = this.processes.get(service)?.errorLines() ?? { count: 0, first: [] };
      return { service, ...lines };
    });
  }

  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.processes.values()].map((one) => one.stop('SIGTERM', 10_000).catch(() => undefined)),
    );
  }

  private async waitReady(service: ServiceName, child: KilnProcess): Promise<void> {
    const url = `http://127.0.0.1:${this.opsPort(service)}/readyz`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!child.isRunning()) {
        throw new Error(`${service} exited while starting (log: ${join(this.runDir, `${service}.log`)})`);
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (response.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await sleep(250);
    }
    throw new Error(`${service} was not ready within ${READY_TIMEOUT_MS} ms (${url})`);
  }

  private onExit(service: ServiceName, child: KilnProcess, code: number | null): void {
    if (this.closed || this.stopping.has(service) || this.processes.get(service) !== child) return;
    const restarts = (this.unexpectedRestarts.get(service) ?? 0) + 1;
    this.unexpectedRestarts.set(service, restarts);
    this.crashNotes.push(
      `${service} exited by itself (code ${code ?? 'signal'}) at ${new Date().toISOString()}` +
        (restarts <= MAX_UNEXPECTED_RESTARTS ? '; started again by the suite' : '; not restarted (too many)'),
    );
    if (restarts > MAX_UNEXPECTED_RESTARTS) return;
    void sleep(1000)
      .then(() => (this.closed ? undefined : this.start(service)))
      .catch((error: unknown) => {
        this.crashNotes.push(`${service} could not be started again: ${String(error)}`);
      });
  }
}

async function freePair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await freePort();
    if (port < 65_535 && (await portFree(port + 1))) return port;
  }
  throw new Error('found no two free neighbouring ports for the broker');
}

async function portFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
