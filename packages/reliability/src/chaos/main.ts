// npm run chaos: the pipeline (ingestion, normalization, OEE as their own processes, a Kafka broker of the
// suite's own, PostgreSQL behind a proxy the suite cuts) under a steady load of numbered samples, one fault at a
// time, each phase counted: sent, stored, stored twice, dead-lettered, lost, and the OEE of a fixed closed hour
// against a fault-free reference phase. One table; exit code 1 on any loss, duplicate or OEE difference.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connectAsync } from 'mqtt';
import { freePort, serviceEndpoints } from '@kiln/test-infra';
import { cleanUpOnInterrupt, onCleanup, runMain } from '../processes';
import { parseNumberOptions, type OptionSpec } from '../options';
import { oeeAssetOf, writeConfiguration } from './configuration';
import { ChaosDatabase } from './counts';
import { FAULTS, REFERENCE_ID } from './faults';
import { LoadGenerator } from './load';
import { closedHourStartUs, oeeInputs } from './oee-script';
import { ChaosPlatform } from './platform';
import { runPhase, type PhaseResult } from './phase';
import { passes, renderTable } from './table';

const OPTIONS = {
  total: {
    defaultValue: 300_000,
    min: 600,
    description: 'samples in all, over the reference and each fault',
  },
  rate: { defaultValue: 500, min: 1, description: 'samples per second' },
  'mqtt-every': { defaultValue: 10, min: 0, description: 'every n-th sample over MQTT (0: none)' },
  'outage-s': { defaultValue: 30, min: 1, description: 'how long the broker and the database are away' },
  'fault-at': { defaultValue: 0.35, min: 0, description: 'share of a phase sent before its fault' },
  'drain-timeout-s': { defaultValue: 300, min: 10, description: 'longest wait for a phase to drain' },
  keep: { defaultValue: 0, min: 0, description: '1 keeps the scratch schema for inspection' },
} satisfies Record<string, OptionSpec>;

async function main(): Promise<number> {
  const options = parseNumberOptions(process.argv.slice(2), OPTIONS);
  cleanUpOnInterrupt();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const runDir = mkdtempSync(join(tmpdir(), 'kiln-chaos-'));
  const endpoints = serviceEndpoints();
  const postgres = new URL(endpoints.postgresUrl);
  const schema = `chaos_${runId}`;
  const phases = [REFERENCE_ID, ...FAULTS.map((fault) => fault.id)];
  const perPhase = Math.floor(options.total / phases.length);
  log(`run ${runId}: logs and configuration in ${runDir}`);
  log(
    `${phases.length} phases x ${perPhase.toLocaleString('en-US')} samples at ${options.rate}/s ` +
      `(every ${options['mqtt-every']}th over MQTT), outages of ${options['outage-s']} s`,
  );

  const { broker, proxy } = await ChaosPlatform.startInfrastructure(runDir, {
    host: postgres.hostname,
    port: Number(postgres.port || 5432),
  });
  onCleanup(() => broker.stop('SIGTERM'));
  onCleanup(() => proxy.close());
  const database = new ChaosDatabase(endpoints.postgresUrl, schema);
  onCleanup(async () => {
    if (options.keep !== 1) await database.dropSchema();
    await database.close();
  });
  log(`Kafka broker on ${broker.brokers.join(',')}, PostgreSQL proxy on 127.0.0.1:${proxy.port}`);

  const serviceDatabase = new URL(endpoints.postgresUrl);
  serviceDatabase.hostname = '127.0.0.1';
  serviceDatabase.port = String(proxy.port);
  const mqttTopicPrefix = `kiln-chaos/${runId}`;
  const ports = {
    ingestionOps: await freePort(),
    httpPush: await freePort(),
    normalizationOps: await freePort(),
    oeeOps: await freePort(),
  };
  const configFiles = writeConfiguration(
    runDir,
    phases,
    {
      kafkaBrokers: broker.brokers,
      serviceDatabaseUrl: serviceDatabase.toString(),
      schema,
      redisUrl: endpoints.redisUrl,
      redisKeyPrefix: `kiln-chaos-${runId}:`,
      mqttUrl: endpoints.mqttUrl,
      mqttTopicPrefix,
      mqttClientId: `kiln-chaos-ingestion-${runId}`,
    },
    ports,
  );
  const platform = new ChaosPlatform(runDir, broker, proxy, ports, configFiles);
  onCleanup(() => platform.stopAll());
  // Normalization migrates the schema first; the others find it migrated.
  for (const service of ['normalization', 'oee', 'ingestion'] as const) {
    const ms = await platform.start(service);
    log(`${service} ready after ${(ms / 1000).toFixed(1)} s`);
  }

  const mqtt = await connectAsync(endpoints.mqttUrl, { clientId: `kiln-chaos-load-${runId}`, clean: true });
  onCleanup(() => mqtt.endAsync());
  const load = new LoadGenerator(`http://127.0.0.1:${ports.httpPush}/api/v1/samples`, mqtt, mqttTopicPrefix, {
    ratePerS: options.rate,
    mqttEvery: options['mqtt-every'],
    maxSamplesPerRequest: 1000,
    retryDeadlineMs: 180_000,
  });
  const windowStartUs = closedHourStartUs(Date.now(), 3);
  const inputs = oeeInputs(windowStartUs);
  log(`OEE window: the hour from ${new Date(windowStartUs / 1000).toISOString()}`);

  const results: PhaseResult[] = [];
  let reference: PhaseResult | undefined;
  for (const [index, id] of phases.entries()) {
    const fault = FAULTS.find((candidate) => candidate.id === id);
    log(`phase ${index + 1}/${phases.length}: ${fault?.title ?? 'reference (no fault)'}`);
    const result = await runPhase({
      platform,
      database,
      load,
      fault,
      faultAt: options['fault-at'],
      outageMs: options['outage-s'] * 1000,
      drainTimeoutMs: options['drain-timeout-s'] * 1000,
      firstSample: 1 + index * perPhase,
      sampleCount: perPhase,
      mqttEvery: options['mqtt-every'],
      oeeAsset: id,
      oeeAssetId: oeeAssetOf(id),
      oeeInputs: inputs,
      windowStartUs,
      reference: reference?.oee,
      log,
    });
    if (!fault) reference = result;
    results.push(result);
    log(`  ${result.row.fault}: ${JSON.stringify(result.row)}`);
  }

  const naturalKeyDuplicates = await database.naturalKeyDuplicates();
  const rows = results.filter((result) => result.row.fault !== 'reference (no fault)').map((r) => r.row);
  console.log('\n' + renderTable(results.map((result) => result.row)) + '\n');
  for (const result of results) {
    for (const note of result.notes) console.log(`${result.row.fault}: ${note}`);
  }
  console.log(`telemetry rows sharing a natural key (signal, time): ${naturalKeyDuplicates}`);
  for (const { service, count, first } of platform.errorLines()) {
    console.log(
      `${service}: ${count} error-level log lines${first.length > 0 ? `, first: ${first[0]}` : ''}`,
    );
  }
  console.log(`logs: ${runDir}`);
  const failed = results.filter((result) => !passes(result.row) || result.crashed);
  const ok = failed.length === 0 && naturalKeyDuplicates === 0 && rows.length === FAULTS.length;
  console.log(
    ok
      ? 'PASS: nothing lost, nothing twice, OEE identical'
      : `FAIL: ${failed.map((r) => r.row.fault).join(', ')}`,
  );
  return ok ? 0 : 1;
}

function log(message: string): void {
  console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

runMain('chaos suite', main);
