#!/usr/bin/env node
// Real infrastructure for development and tests, without Docker (DEVELOPERS: real parts, not mocks).
//   node scripts/infra.mjs up      fetch Kafka from Maven Central (cached in .infra/), start it in KRaft mode,
//                                  check PostgreSQL, Redis and Mosquitto, starting those installed but stopped
//   node scripts/infra.mjs down    stop the Kafka broker this script started
//   node scripts/infra.mjs status  what answers where
//   node scripts/infra.mjs broker --port P --dir D
//                                  a further single-node broker in the foreground (for tests that stop and
//                                  restart a broker: an outage must not disturb the shared one); SIGTERM stops it
// KAFKA_BROKERS set to an external cluster skips the local broker. In CI (CI=true) a missing service fails.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const infraDir = join(root, '.infra');
const kafkaDir = join(infraDir, 'kafka');
const libDir = join(kafkaDir, 'lib');
const dataDir = join(kafkaDir, 'data');
const pidFile = join(kafkaDir, 'kafka.pid');
const logFile = join(kafkaDir, 'kafka.log');
const pom = join(root, 'deploy/kafka/pom.xml');
const inCi = process.env.CI === 'true';

const services = [
  {
    name: 'PostgreSQL',
    host: '127.0.0.1',
    port: 5432,
    start: () => {
      const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
      return versions[0]
        ? ['pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start']]
        : undefined;
    },
  },
  {
    name: 'Redis',
    host: '127.0.0.1',
    port: 6379,
    start: () =>
      which('redis-server')
        ? [
            'redis-server',
            [
              '--daemonize',
              'yes',
              '--bind',
              '127.0.0.1',
              '--port',
              '6379',
              '--save',
              '',
              '--appendonly',
              'no',
            ],
          ]
        : undefined,
  },
  {
    name: 'Mosquitto',
    host: '127.0.0.1',
    port: 1883,
    start: () =>
      which('mosquitto') && existsSync('/etc/mosquitto/mosquitto.conf')
        ? ['mosquitto', ['-d', '-c', '/etc/mosquitto/mosquitto.conf']]
        : undefined,
  },
];

function which(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function log(message) {
  process.stderr.write(`[infra] ${message}\n`);
}

function portOpen(host, port, timeoutMs = 500) {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (open) => {
      socket.destroy();
      done(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} did not answer within ${timeoutMs / 1000} s`);
}

function kafkaVersion() {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pom, 'utf8'));
  if (!match) throw new Error(`no <kafka.version> in ${pom}`);
  return match[1];
}

/** Fetches the broker's jars once per pom content; Maven's own cache (~/.m2) makes a re-fetch cheap. */
function ensureKafkaJars() {
  const stamp = join(libDir, '.pom-sha256');
  const pomHash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === pomHash) return;
  if (!which('mvn'))
    throw new Error('Maven (mvn) is needed to fetch Apache Kafka from Maven Central: apt-get install maven');
  log(`fetching Apache Kafka ${kafkaVersion()} from Maven Central into ${libDir}`);
  rmSync(libDir, { recursive: true, force: true });
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libDir}`,
      '-DincludeScope=runtime',
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error(`mvn dependency:copy-dependencies failed (exit ${result.status})`);
  writeFileSync(stamp, pomHash);
}

function java(args, options) {
  const classpath = `${libDir}/*`;
  const log4j = `-Dlog4j.configuration=file:${join(root, 'deploy/kafka/log4j.properties')}`;
  return [
    'java',
    ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', '-Djava.awt.headless=true', log4j, '-cp', classpath, ...args],
    options,
  ];
}

function writeServerProperties(dir = kafkaDir, data = dataDir, port = 9092) {
  let base = readFileSync(join(root, 'deploy/kafka/server.properties'), 'utf8');
  if (port !== 9092) base = base.replaceAll(':9092', `:${port}`).replaceAll(':9093', `:${port + 1}`);
  const file = join(dir, 'server.properties');
  writeFileSync(file, `${base}\nlog.dirs=${data}\n`);
  return file;
}

function formatStorage(properties, data = dataDir) {
  if (existsSync(join(data, 'meta.properties'))) return;
  mkdirSync(data, { recursive: true });
  // KRaft wants a base64 UUID of 16 bytes as cluster id. One that starts with '-' reads as an option to the
  // storage tool (1 in 64): draw again, as Kafka's own Uuid.randomUuid() does.
  let clusterId;
  do {
    clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url').slice(0, 22);
  } while (clusterId.startsWith('-'));
  const [command, args] = java([
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    properties,
    '--ignore-formatted',
  ]);
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`formatting Kafka storage failed:\n${result.stdout}${result.stderr}`);
}

async function kafkaAnswers() {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({
    brokers: ['127.0.0.1:9092'],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function kafkaUp() {
  if (process.env.KAFKA_BROKERS) {
    log(`KAFKA_BROKERS=${process.env.KAFKA_BROKERS}: using that cluster, no local broker`);
    return;
  }
  if (await portOpen('127.0.0.1', 9092)) {
    await waitFor(kafkaAnswers, 60_000, 'Kafka on 127.0.0.1:9092');
    log('Kafka already answers on 127.0.0.1:9092');
    return;
  }
  if (!which('java'))
    throw new Error('Java 17+ is needed to run Apache Kafka: apt-get install openjdk-17-jre-headless');
  ensureKafkaJars();
  mkdirSync(kafkaDir, { recursive: true });
  const properties = writeServerProperties();
  formatStorage(properties);
  const out = openSync(logFile, 'a');
  const [command, args, options] = java(['kafka.Kafka', properties], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  const child = spawn(command, args, options);
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  log(`starting Apache Kafka ${kafkaVersion()} (KRaft, pid ${child.pid}, log ${logFile})`);
  const started = Date.now();
  await waitFor(kafkaAnswers, 90_000, `Kafka (see ${logFile})`);
  log(`Kafka answers on 127.0.0.1:9092 after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A broker of its own in the foreground: port (and port + 1 for its controller), data under dir. */
async function broker(args) {
  const option = (name) => {
    const at = args.indexOf(`--${name}`);
    const value = at >= 0 ? args[at + 1] : undefined;
    if (value === undefined) throw new Error(`broker needs --${name}`);
    return value;
  };
  const port = Number(option('port'));
  const dir = resolve(option('dir'));
  ensureKafkaJars();
  mkdirSync(dir, { recursive: true });
  const data = join(dir, 'data');
  const properties = writeServerProperties(dir, data, port);
  formatStorage(properties, data);
  const out = openSync(join(dir, 'kafka.log'), 'a');
  const [command, javaArgs, options] = java(['kafka.Kafka', properties], { stdio: ['ignore', out, out] });
  const child = spawn(command, javaArgs, options);
  const stop = (signal) => child.kill(signal);
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGTERM'));
  const code = await new Promise((done) => child.once('exit', (exitCode) => done(exitCode ?? 0)));
  process.exit(code);
}

async function servicesUp() {
  const missing = [];
  for (const service of services) {
    if (await portOpen(service.host, service.port)) continue;
    const start = service.start();
    if (start) {
      log(`${service.name} is not answering on ${service.host}:${service.port}: starting it`);
      spawnSync(start[0], start[1], { stdio: 'inherit' });
      try {
        await waitFor(() => portOpen(service.host, service.port), 20_000, service.name);
        continue;
      } catch {
        /* reported below */
      }
    }
    missing.push(`${service.name} (${service.host}:${service.port})`);
  }
  if (missing.length > 0) {
    const message = `not reachable: ${missing.join(', ')}`;
    if (inCi) throw new Error(`${message}; CI needs every service`);
    log(`WARNING ${message}; tests that need them will be SKIPPED outside CI`);
  }
}

async function down() {
  if (!existsSync(pidFile)) {
    log('no Kafka started by this script');
    return;
  }
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
    log(`stopping Kafka (pid ${pid})`);
    await waitFor(async () => !isAlive(pid), 30_000, 'Kafka shutdown').catch(() => {
      process.kill(pid, 'SIGKILL');
    });
  } catch {
    log(`Kafka (pid ${pid}) was not running`);
  }
  rmSync(pidFile, { force: true });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function status() {
  const rows = [['Kafka', '127.0.0.1', 9092], ...services.map((s) => [s.name, s.host, s.port])];
  for (const [name, host, port] of rows) {
    log(`${name.padEnd(11)} ${host}:${port} ${(await portOpen(host, port)) ? 'up' : 'DOWN'}`);
  }
}

const command = process.argv[2];
try {
  if (command === 'up') {
    await kafkaUp();
    await servicesUp();
  } else if (command === 'down') {
    await down();
  } else if (command === 'status') {
    await status();
  } else if (command === 'broker') {
    await broker(process.argv.slice(3));
  } else {
    log('usage: node scripts/infra.mjs up|down|status|broker --port P --dir D');
    process.exit(2);
  }
} catch (error) {
  log(`ERROR ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
