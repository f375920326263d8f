// The real services integration tests talk to, where they answer, and what to do when one does not:
// in CI (CI=true) a suite that needs a missing service fails; on a developer machine it is skipped, loudly.
import { execFileSync } from 'node:child_process';

export type ServiceName = 'kafka' | 'postgres' | 'redis' | 'mqtt';

export interface ServiceEndpoints {
  kafkaBrokers: string[];
  postgresUrl: string;
  redisUrl: string;
  mqttUrl: string;
}

export function serviceEndpoints(env: NodeJS.ProcessEnv = process.env): ServiceEndpoints {
  return {
    kafkaBrokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
    postgresUrl: env['KILN_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    mqttUrl: env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883',
  };
}

function hostPort(service: ServiceName, endpoints: ServiceEndpoints): { host: string; port: number } {
  const fromUrl = (url: string): { host: string; port: number } => {
    const parsed = new URL(url);
    return { host: parsed.hostname, port: Number(parsed.port) };
  };
  switch (service) {
    case 'kafka': {
      const [host = '127.0.0.1', port = '9092'] = (endpoints.kafkaBrokers[0] ?? '').split(':');
      return { host, port: Number(port) };
    }
    case 'postgres':
      return fromUrl(endpoints.postgresUrl);
    case 'redis':
      return fromUrl(endpoints.redisUrl);
    case 'mqtt':
      return fromUrl(endpoints.mqttUrl);
  }
}

// Jest defines suites synchronously, so the probe runs synchronously: a child node process that tries each
// TCP port once and prints what answered.
const PROBE = `
const net = require('node:net');
const targets = JSON.parse(process.argv[1]);
Promise.all(targets.map(([name, host, port]) => new Promise((done) => {
  const socket = net.connect({ host, port });
  const finish = (open) => { socket.destroy(); done(open ? name : null); };
  socket.setTimeout(1000, () => finish(false));
  socket.once('connect', () => finish(true));
  socket.once('error', () => finish(false));
}))).then((up) => process.stdout.write(up.filter(Boolean).join(',')));
`;

let probed: Set<ServiceName> | undefined;

export function availableServices(): Set<ServiceName> {
  if (probed) return probed;
  const endpoints = serviceEndpoints();
  const names: ServiceName[] = ['kafka', 'postgres', 'redis', 'mqtt'];
  const targets = names.map((name) => {
    const { host, port } = hostPort(name, endpoints);
    return [name, host, port];
  });
  const output = execFileSync(process.execPath, ['-e', PROBE, JSON.stringify(targets)], { encoding: 'utf8' });
  probed = new Set(
    output.split(',').filter((name): name is ServiceName => names.includes(name as ServiceName)),
  );
  return probed;
}

export function isCi(): boolean {
  return process.env['CI'] === 'true';
}

/**
 * `describe` for a suite that needs real services. Where one does not answer: in CI the suite fails with a
 * test naming the missing service; elsewhere it is skipped with a warning saying how to start it.
 */
export function describeWith(services: readonly ServiceName[], title: string, suite: () => void): void {
  const available = availableServices();
  const missing = services.filter((service) => !available.has(service));
  if (missing.length === 0) {
    describe(title, suite);
    return;
  }
  const what = `${title} needs ${missing.join(', ')}, which did not answer (start them with: npm run infra:up)`;
  if (isCi()) {
    describe(title, () => {
      it('has the services it needs', () => {
        throw new Error(what);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPED: ${what} ***\n`);
  // A deliberate, announced skip outside CI only (DEVELOPERS.md: in CI a missing service is a failure).
  describe.skip(title, suite);
}
