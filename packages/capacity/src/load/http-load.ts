// HTTP push load: pre-encoded bodies POSTed over keep-alive connections, as many in flight as connections.
import { Agent, request } from 'node:http';
import type { HttpLoadSetup, LoadCounts } from './protocol';
import {
  buildTemplate,
  readingsPerBody,
  samplesPerRequest,
  stampBody,
  UniqueMicros,
  type BodyTemplate,
} from './http-body';
import { Pacer } from './pacer';

export class HttpLoad {
  private readonly templates: BodyTemplate[];
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly pacer = new Pacer();
  private readonly clock = new UniqueMicros();
  private samplesPerBatch = 1;
  private inFlight = 0;
  private next = 0;
  private readonly counts = { sent: 0, accepted: 0, failed: 0, skipped: 0, lastError: '' };

  constructor(private readonly setup: HttpLoadSetup) {
    this.templates = setup.batches.map((tags) =>
      buildTemplate(tags, readingsPerBody(setup.batchSize, tags.length)),
    );
    this.samplesPerBatch = samplesPerRequest(this.templates);
    this.agent = new Agent({ keepAlive: true, maxSockets: setup.connections });
    this.url = new URL(setup.url);
  }

  setRate(samplesPerS: number): void {
    this.pacer.set(samplesPerS / this.samplesPerBatch, Date.now());
  }

  snapshot(): LoadCounts {
    return { ...this.counts, atMs: Date.now() };
  }

  /** Sends what is due; called every few milliseconds. */
  tick(): void {
    const { due, skipped } = this.pacer.due(Date.now());
    this.counts.skipped += Math.round(skipped * this.samplesPerBatch);
    const sendable = Math.min(due, this.setup.connections - this.inFlight);
    for (let i = 0; i < sendable; i += 1) this.send();
    this.pacer.took(sendable);
  }

  close(): void {
    this.agent.destroy();
  }

  private send(): void {
    const index = this.next % this.templates.length;
    const template = this.templates[index];
    if (!template) return;
    // Template i is source i's: its tags always come from it.
    const body = stampBody(template, index, this.clock.next(Date.now(), template.timeOffsets.length));
    this.next += 1;
    this.inFlight += 1;
    this.counts.sent += template.samples;
    const done = (ok: boolean, error?: string) => {
      this.inFlight -= 1;
      if (ok) this.counts.accepted += template.samples;
      else {
        this.counts.failed += template.samples;
        if (error) this.counts.lastError = error;
      }
    };
    const req = request(
      {
        agent: this.agent,
        host: this.url.hostname,
        port: this.url.port,
        path: this.url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          done(status === 202, `HTTP ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`),
        );
      },
    );
    req.on('error', (error) => done(false, error.message));
    req.end(body);
  }
}
