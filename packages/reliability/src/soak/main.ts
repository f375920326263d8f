// npm run soak: `kiln start` (the all-in-one of npm start, embedded database, a fresh data directory) under an
// HTTP push load for --warmup-minutes and then --minutes more; its RSS sampled every 10 s from /proc, its error-level log lines counted, and at
// the end every sample sent looked for through the gateway's REST API. Exit code 1 when RSS grew more than 10 %
// from warm-up to the end, on any error log line, or on any sample not stored.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@kiln/test-infra';
import { parseNumberOptions, type OptionSpec } from '../options';
import { cleanUpOnInterrupt, runMain, startKiln, type KilnProcess } from '../processes';
import { writeSoakConfiguration, SOAK_ASSET, SOAK_SIGNALS, SOAK_SOURCE } from './configuration';
import { HttpLoad } from './http-load';
import { mebibytes, medianBetween, residentBytes, type RssSample } from './rss';

const OPTIONS = {
  rate: { defaultValue: 10_000, min: 1, description: 'samples per second' },
  minutes: { defaultValue: 30, min: 1, description: 'minutes of load measured after the warm-up' },
  // The heap, the embedded database's caches and the buffer's segments settle after about 6 minutes at 10,000/s.
  'warmup-minutes': { defaultValue: 8, min: 0, description: 'minutes of load before the baseline RSS' },
  'drain-timeout-s': {
    defaultValue: 600,
    min: 10,
    description: 'longest wait for the stored count after the load',
  },
} satisfies Record<string, OptionSpec>;

const RSS_INTERVAL_MS = 10_000;
const ALLOWED_GROWTH = 0.1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<number> {
  const options = parseNumberOptions(process.argv.slice(2), OPTIONS);
  cleanUpOnInterrupt();
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-soak-'));
  const dataDir = join(runDir, 'data');
  const ports = {
    rest: await freePort(),
    grpc: await freePort(),
    httpPush: await freePort(),
    opcua: await freePort(),
  };
  const configFile = writeSoakConfiguration(runDir, dataDir, ports);
  log(`data and logs in ${runDir}`);
  const kiln = startKiln('kiln', ['start', '--config', configFile], join(runDir, 'kiln.log'));
  const base = `http://127.0.0.1:${ports.rest}`;
  await waitReady(base, kiln);
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  log(
    `kiln start ready (pid ${kiln.pid}); ${options.rate} samples/s for ` +
      `${options['warmup-minutes']} min of warm-up and ${options.minutes} min more`,
  );

  const load = new HttpLoad({
    url: `http://127.0.0.1:${ports.httpPush}/api/v1/samples`,
    source: SOAK_SOURCE,
    tags: SOAK_SIGNALS.map((signal) => `soak/${signal}`),
    ratePerS: options.rate,
    maxSamplesPerRequest: 1000,
    concurrency: 3,
    retryDeadlineMs: 120_000,
    maxBacklog: options.rate * 5,
  });
  const fromIso = new Date(Date.now() - 60_000).toISOString();
  const started = Date.now();
  load.start();
  const rss: RssSample[] = [];
  const durationMs = (options['warmup-minutes'] + options.minutes) * 60_000;
  let nextReport = started + 60_000;
  while (Date.now() - started < durationMs) {
    if (!kiln.isRunning()) throw new Error(`kiln exited during the load (log: ${join(runDir, 'kiln.log')})`);
    const bytes = await residentBytes(kiln.pid);
    if (bytes !== undefined) rss.push({ atMs: Date.now() - started, bytes });
    if (Date.now() >= nextReport) {
      nextReport += 60_000;
      log(
        `${((Date.now() - started) / 60_000).toFixed(0)} min: sent ${load.sent().toLocaleString('en-US')} ` +
          `(shed ${load.shed().toLocaleString('en-US')}), ` +
          `RSS ${mebibytes(bytes)}, error logs ${kiln.errorLines().count}`,
      );
    }
    await sleep(Math.min(RSS_INTERVAL_MS, Math.max(0, durationMs - (Date.now() - started))));
  }
  const report = await load.stop();
  const loadSeconds = (Date.now() - started) / 1000;
  log(`load stopped: sent ${report.sent.toLocaleString('en-US')}, not sent ${report.notSent}; draining`);

  const stored = await waitForStored(base, adminKey, fromIso, report.sent, options['drain-timeout-s'] * 1000);
  const warmupMs = options['warmup-minutes'] * 60_000;
  const afterWarmup = medianBetween(rss, warmupMs, warmupMs + 60_000);
  const atEnd = medianBetween(rss, durationMs - 60_000, durationMs + 1);
  await kiln.stop('SIGTERM', 20_000);
  const exitCode = await kiln.exited;
  const errors = kiln.errorLines();
  const ratio = afterWarmup && atEnd ? atEnd / afterWarmup : undefined;
  const lost = report.sent - stored;

  console.log('');
  console.log(
    `rate                ${options.rate} samples/s for ${options['warmup-minutes']} min of warm-up + ${options.minutes} min`,
  );
  console.log(`RSS after warm-up   ${mebibytes(afterWarmup)} (median of the minute after warm-up)`);
  console.log(`RSS at end          ${mebibytes(atEnd)} (median of the last minute)`);
  console.log(`RSS max             ${mebibytes(Math.max(...rss.map((sample) => sample.bytes)))}`);
  console.log(`ratio               ${ratio === undefined ? '-' : ratio.toFixed(3)}`);
  console.log(`error logs          ${errors.count}`);
  for (const line of errors.first) console.log(`  ${line}`);
  console.log(
    `sent                ${report.sent.toLocaleString('en-US')} (+${report.notSent} never acknowledged), ` +
      `${Math.round(report.sent / loadSeconds).toLocaleString('en-US')}/s achieved with the backlog, ` +
      `largest backlog ${report.maxBacklog.toLocaleString('en-US')} samples, ` +
      `${report.shed.toLocaleString('en-US')} shed (offered while the backlog was full, never sent)`,
  );
  console.log(`stored              ${stored.toLocaleString('en-US')}`);
  console.log(`lost                ${lost.toLocaleString('en-US')}`);
  console.log(
    `HTTP retries        ${report.retries}${report.problems.length > 0 ? `: ${report.problems.join('; ')}` : ''}`,
  );
  console.log(`kiln exit code      ${exitCode ?? 'signal'}`);
  console.log(`logs                ${join(runDir, 'kiln.log')}`);
  const ok =
    ratio !== undefined &&
    ratio <= 1 + ALLOWED_GROWTH &&
    errors.count === 0 &&
    lost === 0 &&
    report.notSent === 0 &&
    report.shed === 0; // a run that could not keep the rate did not soak at it
  console.log(ok ? 'PASS' : 'FAIL');
  return ok ? 0 : 1;
}

async function waitReady(base: string, kiln: KilnProcess): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (!kiln.isRunning()) throw new Error('kiln start exited before it was ready');
    try {
      const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(500);
  }
  throw new Error(`kiln start was not ready within 300 s (${base}/readyz)`);
}

/** Rows of the soak signals, counted by the gateway (`agg=count` per hour bucket). */
async function storedCount(base: string, adminKey: string, fromIso: string): Promise<number> {
  const query = new URLSearchParams({
    from: fromIso,
    to: new Date(Date.now() + 60_000).toISOString(),
    bucket: '1h',
    agg: 'count',
    source: 'raw',
  });
  for (const signal of SOAK_SIGNALS) query.append('signal', `${SOAK_ASSET}/${signal}`);
  const response = await fetch(`${base}/api/v1/telemetry?${query.toString()}`, {
    headers: { authorization: `Bearer ${adminKey}` },
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /api/v1/telemetry answered ${response.status}: ${text}`);
  const body = JSON.parse(text) as { series: Array<{ buckets: Array<{ count?: number }> }> };
  return body.series.reduce(
    (sum, series) => sum + series.buckets.reduce((inner, bucket) => inner + (bucket.count ?? 0), 0),
    0,
  );
}

async function waitForStored(
  base: string,
  adminKey: string,
  fromIso: string,
  sent: number,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stored = await storedCount(base, adminKey, fromIso);
    if (stored >= sent) return stored;
    if (stored !== last) {
      last = stored;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > 60_000 || Date.now() - started > timeoutMs) return stored;
    log(`stored ${stored.toLocaleString('en-US')} of ${sent.toLocaleString('en-US')}`);
    await sleep(5000);
  }
}

function log(message: string): void {
  console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

runMain('soak', main);
