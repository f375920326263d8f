// The API client process (forked by the bench): GET requests at a fixed rate, open loop: a request is issued when
// it is due whatever is still unanswered, so a slow answer shows as latency, not as a lower rate (the pacing of a
// closed-loop client would wait for it and hide it). Latency runs from issuing the request, so time spent queued
// for a free connection counts.
import { Agent, request } from 'node:http';
import { Pacer } from '../load/pacer';
import { valuesIn } from './latest-request';
import type { ApiClientSetup, ApiWindowCounts, FromApiClient, ToApiClient } from './protocol';

/** 1 ms: at 1,000 req/s about one request per tick, so the pacing adds no bursts of its own. */
const TICK_MS = 1;
const TIMEOUT_MS = 5000;

interface Window {
  startMs: number;
  sent: number;
  answered: number;
  non2xx: number;
  errors: number;
  incomplete: number;
  skipped: number;
  latenciesMs: number[];
  lastError: string;
}

const freshWindow = (): Window => ({
  startMs: performance.now(),
  sent: 0,
  answered: 0,
  non2xx: 0,
  errors: 0,
  incomplete: 0,
  skipped: 0,
  latenciesMs: [],
  lastError: '',
});

class ApiClient {
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly pacer = new Pacer();
  private next = 0;
  private window = freshWindow();
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly setup: ApiClientSetup) {
    this.agent = new Agent({ keepAlive: true, maxSockets: setup.maxConnections });
    this.url = new URL(setup.baseUrl);
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  setRate(requestsPerS: number): void {
    this.pacer.set(requestsPerS, Date.now());
  }

  mark(): void {
    this.window = freshWindow();
  }

  /**
   * Ends the window and waits for the answers to its requests, up to the request timeout: every request issued
   * in the window has its latency, however late (an open-loop window that dropped the slow ones would look fast).
   * What is still unanswered then counts as errors.
   */
  async collect(): Promise<ApiWindowCounts> {
    const closed = this.window;
    const seconds = (performance.now() - closed.startMs) / 1000;
    this.window = freshWindow();
    const deadline = performance.now() + TIMEOUT_MS + 1000;
    const open = () => closed.sent - closed.answered - closed.errors;
    while (open() > 0 && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const unanswered = open();
    return {
      seconds,
      sent: closed.sent,
      answered: closed.answered,
      non2xx: closed.non2xx,
      errors: closed.errors + unanswered,
      incomplete: closed.incomplete,
      skipped: closed.skipped,
      latenciesMs: [...closed.latenciesMs],
      lastError:
        unanswered > 0 ? `${unanswered} requests unanswered after ${TIMEOUT_MS} ms` : closed.lastError,
    };
  }

  close(): void {
    clearInterval(this.ticker);
    this.agent.destroy();
  }

  private tick(): void {
    const { due, skipped } = this.pacer.due(Date.now());
    this.window.skipped += skipped;
    for (let i = 0; i < due; i += 1) this.issue();
    this.pacer.took(due);
  }

  private issue(): void {
    const path = this.setup.paths[this.next % this.setup.paths.length] ?? '/';
    this.next += 1;
    // A window that began after this request was issued does not count its answer.
    const window = this.window;
    window.sent += 1;
    const started = performance.now();
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      window.errors += 1;
      window.lastError = message;
    };
    const req = request(
      {
        agent: this.agent,
        host: this.url.hostname,
        port: this.url.port,
        path,
        method: 'GET',
        headers: { authorization: `Bearer ${this.setup.apiKey}`, accept: 'application/json' },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => fail(error.message));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          window.latenciesMs.push(performance.now() - started);
          window.answered += 1;
          const body = Buffer.concat(chunks).toString('utf8');
          if (status < 200 || status > 299) {
            window.non2xx += 1;
            window.lastError = `HTTP ${status} ${body.slice(0, 200)}`;
          } else if (this.setup.signalsPerRequest > 0 && valuesIn(body) < this.setup.signalsPerRequest) {
            window.incomplete += 1;
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', (error) => fail(error.message));
    req.end();
  }
}

let client: ApiClient | undefined;

function send(message: FromApiClient): void {
  process.send?.(message);
}

process.on('message', (message: ToApiClient) => {
  if (message.type === 'setup') {
    client = new ApiClient(message.setup);
    send({ type: 'ready' });
  } else if (message.type === 'rate') {
    client?.setRate(message.requestsPerS);
  } else if (message.type === 'mark') {
    client?.mark();
  } else if (message.type === 'collect') {
    void client?.collect().then((counts) => send({ type: 'window', counts }));
  } else {
    client?.close();
    process.exit(0);
  }
});
