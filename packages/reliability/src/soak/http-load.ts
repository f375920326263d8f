// A steady HTTP push load: numbered samples (the number is the value) at a fixed rate, in requests of up to
// maxSamplesPerRequest, a few requests in flight. A sample counts as sent once answered 202. When Kiln takes
// less than the rate, the backlog is capped and the rest shed and counted, so the run ends on time.
import { isoMicros, UniqueMicros } from '../chaos/samples';

export interface HttpLoadOptions {
  readonly url: string;
  readonly source: string;
  readonly tags: readonly string[];
  readonly ratePerS: number;
  readonly maxSamplesPerRequest: number;
  readonly concurrency: number;
  readonly retryDeadlineMs: number;
  /** Most samples waiting to be sent; what the rate offers beyond it is shed (counted), not queued without end. */
  readonly maxBacklog: number;
}

export interface HttpLoadReport {
  readonly sent: number;
  readonly notSent: number;
  readonly retries: number;
  readonly problems: readonly string[];
  /** The largest number of samples waiting to be sent. */
  readonly maxBacklog: number;
  /** Samples the rate offered while the backlog was full: never sent, so neither sent nor lost. */
  readonly shed: number;
}

interface Sample {
  readonly tag: string;
  readonly value: number;
  readonly timestamp: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class HttpLoad {
  private stopped = false;
  private running: Promise<HttpLoadReport> | undefined;
  private sentSoFar = 0;
  private shedSoFar = 0;

  constructor(private readonly options: HttpLoadOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  sent(): number {
    return this.sentSoFar;
  }

  shed(): number {
    return this.shedSoFar;
  }

  /** Stops producing, lets the requests in flight and the backlog finish, resolves with the report. */
  async stop(): Promise<HttpLoadReport> {
    this.stopped = true;
    if (!this.running) throw new Error('the load was never started');
    return this.running;
  }

  private async run(): Promise<HttpLoadReport> {
    const clock = new UniqueMicros();
    const queue: Sample[] = [];
    const problems: string[] = [];
    let offered = 0;
    let produced = 0;
    let shed = 0;
    let notSent = 0;
    let retries = 0;
    let maxBacklog = 0;
    const worker = async () => {
      while (!this.stopped || queue.length > 0) {
        const samples = queue.splice(0, this.options.maxSamplesPerRequest);
        if (samples.length === 0) {
          await sleep(10);
          continue;
        }
        const outcome = await this.post(samples);
        retries += outcome.retries;
        if (outcome.ok) this.sentSoFar += samples.length;
        else {
          notSent += samples.length;
          if (problems.length < 5) problems.push(outcome.problem);
        }
      }
    };
    const workers = Array.from({ length: this.options.concurrency }, worker);
    const started = Date.now();
    while (!this.stopped) {
      const due = Math.floor(((Date.now() - started) / 1000) * this.options.ratePerS);
      for (; offered < due; offered += 1) {
        if (queue.length >= this.options.maxBacklog) {
          shed += 1;
          this.shedSoFar = shed;
          continue;
        }
        const tag = this.options.tags[produced % this.options.tags.length] ?? 'soak/s0';
        produced += 1;
        queue.push({ tag, value: produced, timestamp: isoMicros(clock.next(Date.now())) });
      }
      maxBacklog = Math.max(maxBacklog, queue.length);
      await sleep(20);
    }
    await Promise.all(workers);
    return { sent: this.sentSoFar, notSent, retries, problems, maxBacklog, shed };
  }

  private async post(samples: readonly Sample[]): Promise<{ ok: boolean; retries: number; problem: string }> {
    const body = JSON.stringify({
      source: this.options.source,
      samples: samples.map((sample) => ({ ...sample, quality: 'good' })),
    });
    const deadline = Date.now() + this.options.retryDeadlineMs;
    for (let attempt = 0; ; attempt += 1) {
      let problem: string;
      try {
        const response = await fetch(this.options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        if (response.status === 202) return { ok: true, retries: attempt, problem: '' };
        problem = `HTTP ${response.status} ${text.slice(0, 200)}`;
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          return { ok: false, retries: attempt, problem };
        }
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > deadline) return { ok: false, retries: attempt, problem };
      await sleep(250);
    }
  }
}
