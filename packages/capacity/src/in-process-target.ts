// `kiln start`, the whole platform in one process on its embedded defaults (PGlite, the in-process bus, the
// in-memory hot state), with the simulated factory off and an HTTP push connector for the load. Its database
// cannot be read from outside, so stored rows come from normalization's counter on /metrics and the probes'
// visibility from the REST API's latest values.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PROBE_ASSET_ID, probeSignalName } from './plant';
import { startProcess, waitReady } from './processes';
import type { ApiEndpoint, Sighting, Target } from './target';

export interface InProcessSetup {
  readonly repoRoot: string;
  readonly runDir: string;
  readonly plantFile: string;
  readonly probes: number;
  readonly ports: { http: number; httpPush: number; grpc: number };
  readonly nodeEnv: NodeJS.ProcessEnv;
}

const ADMIN_KEY = 'kiln-e2e-bench-admin-key-0123456789';
const LOOP_P99 = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})?\s+([0-9.e+-]+)/m;
const INSERTED = /^kiln_normalization_rows_inserted_total\{[^}]*table="telemetry"[^}]*\}\s+([0-9.e+]+)/m;

export class InProcessTarget implements Target {
  readonly mode = 'in-process';
  readonly mqttTopicPrefix = undefined;
  readonly api: ApiEndpoint;
  /** Not metered here: the rollup meter reads the ops ports of the services mode. */
  readonly rollupMetricsUrls: readonly string[] = [];
  private readonly seen: Sighting[] = [];
  private readonly lastTime = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  private stopped = false;
  /** From the last scrape of /metrics (prom-client's nodejs_eventloop_lag_p99_seconds, reset by each scrape). */
  private loopP99Ms: number | undefined;

  private constructor(
    readonly processes: Array<{ name: string; pid: number; stop(): Promise<void> }>,
    readonly httpUrl: string,
    private readonly setup: InProcessSetup,
  ) {
    // The gateway inside `kiln start` serves the REST API on its one HTTP port, with the rate limit off.
    this.api = {
      baseUrl: `http://127.0.0.1:${setup.ports.http}`,
      apiKey: ADMIN_KEY,
      server: 'kiln',
      metricsUrl: `http://127.0.0.1:${setup.ports.http}/metrics`,
    };
  }

  static async start(setup: InProcessSetup, log: (line: string) => void): Promise<InProcessTarget> {
    const configFile = join(setup.runDir, 'kiln.yaml');
    writeFileSync(
      configFile,
      stringify({
        http: { host: '127.0.0.1', port: setup.ports.http },
        dataDir: join(setup.runDir, 'in-process-data'),
        log: { level: 'warn' },
        simulator: { enabled: false },
        gateway: { grpc: { host: '127.0.0.1', port: setup.ports.grpc } },
        ingestion: {
          connectors: [{ kind: 'http', id: 'push', host: '127.0.0.1', port: setup.ports.httpPush }],
        },
        normalization: { plantFile: setup.plantFile },
      }),
    );
    log('  starting kiln start (in-process)');
    const child = startProcess(
      'kiln',
      join(setup.repoRoot, 'packages', 'cli', 'dist', 'main.js'),
      ['start', '--config', configFile],
      // The probes are polled every 20 ms: more than the default rate limit allows one key.
      { ...setup.nodeEnv, KILN_ADMIN_API_KEY: ADMIN_KEY, KILN_RATE_LIMIT_MAX: '0' },
      join(setup.runDir, 'in-process.log'),
    );
    await waitReady(child, `http://127.0.0.1:${setup.ports.http}/readyz`, 180_000);
    const target = new InProcessTarget(
      [child],
      `http://127.0.0.1:${setup.ports.httpPush}/api/v1/samples`,
      setup,
    );
    target.timer = setInterval(() => void target.poll(), 20);
    return target;
  }

  async storedRows(): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${this.setup.ports.http}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const loop = LOOP_P99.exec(text)?.[1];
    this.loopP99Ms = loop === undefined ? undefined : Number(loop) * 1000;
    const match = INSERTED.exec(text);
    return match?.[1] === undefined ? 0 : Number(match[1]);
  }

  storedOfWindow(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  eventLoopP99Ms(): number | undefined {
    return this.loopP99Ms;
  }

  pendingRollups(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  lag(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  sightings(fromMs: number, toMs: number): Sighting[] {
    return this.seen.filter((one) => one.sampleMs >= fromMs && one.sampleMs < toMs);
  }

  async stop(): Promise<void> {
    // Called at the end of its mode and again by the run's clean-up.
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all(this.processes.map((one) => one.stop()));
    // The embedded database of a run at tens of thousands of samples/s takes GBs; the logs beside it stay.
    rmSync(join(this.setup.runDir, 'in-process-data'), { recursive: true, force: true });
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const query = Array.from(
        { length: this.setup.probes },
        (_, i) => `signal=${encodeURIComponent(`${PROBE_ASSET_ID}/${probeSignalName(i)}`)}`,
      ).join('&');
      const response = await fetch(
        `http://127.0.0.1:${this.setup.ports.http}/api/v1/telemetry/latest?${query}`,
        {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
          signal: AbortSignal.timeout(5000),
        },
      );
      const visibleMs = Date.now();
      if (response.status !== 200) return;
      const body = (await response.json()) as { values?: Array<{ signal: string; time: string }> };
      for (const value of body.values ?? []) {
        if (this.lastTime.get(value.signal) === value.time) continue;
        const first = !this.lastTime.has(value.signal);
        this.lastTime.set(value.signal, value.time);
        if (!first) this.seen.push({ sampleMs: Date.parse(value.time), visibleMs });
      }
    } catch {
      /* the next poll tries again */
    } finally {
      this.busy = false;
    }
  }
}
