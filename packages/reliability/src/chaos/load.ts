// The load of one phase: uniquely numbered samples at a steady rate over HTTP and MQTT, with the phase's OEE
// inputs interleaved in order. A sample counts as sent once Kiln (HTTP 202) or the MQTT broker (PUBACK, QoS 1,
// held for ingestion's persistent session) has acknowledged it; a refused or failed request is sent again until
// a deadline, as a client of the push API would.
import type { MqttClient } from 'mqtt';
import { HTTP_LOAD_SOURCE, HTTP_OEE_SOURCE } from './configuration';
import type { OeeInput } from './oee-script';
import { channelOf, isoMicros, signalOf, UniqueMicros } from './samples';

export interface LoadOptions {
  readonly ratePerS: number;
  /** Every n-th sample goes over MQTT. */
  readonly mqttEvery: number;
  /** Most samples in one HTTP request. */
  readonly maxSamplesPerRequest: number;
  /** How long one request is retried before its samples count as not sent. */
  readonly retryDeadlineMs: number;
}

export interface PhaseLoad {
  readonly firstSample: number;
  readonly sampleCount: number;
  readonly oeeAsset: string;
  readonly oeeInputs: readonly OeeInput[];
}

export interface SentReport {
  /** acknowledged[i]: sample firstSample + i was acknowledged. */
  readonly acknowledged: Uint8Array;
  readonly sentHttp: number;
  readonly sentMqtt: number;
  /** Samples whose request was refused for good (4xx) or never acknowledged before the deadline. */
  readonly notSent: number;
  readonly oeeInputsSent: number;
  readonly oeeInputsNotSent: number;
  readonly httpRetries: number;
  readonly refusals: string[];
}

interface HttpSample {
  readonly tag: string;
  readonly value: number;
  readonly timestamp: string;
  readonly sampleNumber?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LoadGenerator {
  private readonly clock = new UniqueMicros();
  private produced = 0;
  private current: PhaseLoad | undefined;

  constructor(
    private readonly httpUrl: string,
    private readonly mqtt: MqttClient,
    private readonly mqttTopicPrefix: string,
    private readonly options: LoadOptions,
  ) {}

  /** Share of the current phase's samples produced so far (0..1). */
  progress(): number {
    return this.current ? this.produced / this.current.sampleCount : 0;
  }

  async run(phase: PhaseLoad): Promise<SentReport> {
    this.current = phase;
    this.produced = 0;
    const acknowledged = new Uint8Array(phase.sampleCount);
    const httpQueue: HttpSample[] = [];
    const oeeQueue: HttpSample[] = [];
    const mqttPublishes: Promise<void>[] = [];
    const report = {
      sentHttp: 0,
      sentMqtt: 0,
      notSent: 0,
      oeeInputsSent: 0,
      oeeInputsNotSent: 0,
      httpRetries: 0,
      refusals: [] as string[],
    };
    let oeeQueued = 0;
    let producing = true;

    const sender = (async () => {
      while (producing || httpQueue.length > 0 || oeeQueue.length > 0) {
        if (oeeQueue.length > 0) {
          const inputs = oeeQueue.splice(0, oeeQueue.length);
          const ok = await this.post(HTTP_OEE_SOURCE, inputs, report);
          if (ok) report.oeeInputsSent += inputs.length;
          else report.oeeInputsNotSent += inputs.length;
          continue;
        }
        if (httpQueue.length === 0) {
          await sleep(20);
          continue;
        }
        const samples = httpQueue.splice(0, this.options.maxSamplesPerRequest);
        const ok = await this.post(HTTP_LOAD_SOURCE, samples, report);
        for (const sample of samples) {
          if (sample.sampleNumber === undefined) continue;
          if (ok) {
            acknowledged[sample.sampleNumber - phase.firstSample] = 1;
            report.sentHttp += 1;
          } else {
            report.notSent += 1;
          }
        }
      }
    })();

    const started = Date.now();
    while (this.produced < phase.sampleCount) {
      const due = Math.min(
        phase.sampleCount,
        Math.floor(((Date.now() - started) / 1000) * this.options.ratePerS),
      );
      for (; this.produced < due; this.produced += 1) {
        const sampleNumber = phase.firstSample + this.produced;
        const channel = channelOf(sampleNumber, this.options.mqttEvery);
        const signal = signalOf(sampleNumber, channel);
        const timeUs = this.clock.next(Date.now());
        if (channel === 'http') {
          httpQueue.push({
            tag: `seq/${signal}`,
            value: sampleNumber,
            timestamp: isoMicros(timeUs),
            sampleNumber,
          });
        } else {
          mqttPublishes.push(
            this.publish(`${this.mqttTopicPrefix}/${signal}`, sampleNumber, timeUs).then(
              () => {
                acknowledged[sampleNumber - phase.firstSample] = 1;
                report.sentMqtt += 1;
              },
              (error: unknown) => {
                report.notSent += 1;
                if (report.refusals.length < 5) report.refusals.push(`mqtt: ${String(error)}`);
              },
            ),
          );
        }
      }
      // The OEE inputs keep pace with the load: input k once k / inputs of the phase's samples are out.
      const oeeDue = Math.floor((phase.oeeInputs.length * this.produced) / phase.sampleCount);
      for (; oeeQueued < oeeDue; oeeQueued += 1) {
        const input = phase.oeeInputs[oeeQueued];
        if (!input) break;
        oeeQueue.push({
          tag: `oee/${phase.oeeAsset}/${input.kind}`,
          value: input.value,
          timestamp: isoMicros(input.timeUs),
        });
      }
      await sleep(50);
    }
    producing = false;
    await sender;
    await Promise.all(mqttPublishes);
    this.current = undefined;
    return { acknowledged, ...report };
  }

  private async publish(topic: string, sampleNumber: number, timeUs: number): Promise<void> {
    await this.mqtt.publishAsync(topic, JSON.stringify({ v: sampleNumber, t: timeUs }), { qos: 1 });
  }

  /** POSTs until 202; false when refused for good (4xx) or not acknowledged before the deadline. */
  private async post(
    source: string,
    samples: readonly HttpSample[],
    report: { httpRetries: number; refusals: string[] },
  ): Promise<boolean> {
    const body = JSON.stringify({
      source,
      samples: samples.map(({ tag, value, timestamp }) => ({ tag, value, timestamp, quality: 'good' })),
    });
    const deadline = Date.now() + this.options.retryDeadlineMs;
    for (let attempt = 0; ; attempt += 1) {
      let problem: string;
      try {
        const response = await fetch(this.httpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (response.status === 202) return true;
        problem = `HTTP ${response.status} ${text.slice(0, 200)}`;
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          if (report.refusals.length < 5) report.refusals.push(problem);
          return false;
        }
      } catch (error) {
        problem = error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error);
      }
      if (Date.now() > deadline) {
        if (report.refusals.length < 5)
          report.refusals.push(`gave up after ${attempt + 1} attempts: ${problem}`);
        return false;
      }
      report.httpRetries += 1;
      await sleep(250);
    }
  }
}
