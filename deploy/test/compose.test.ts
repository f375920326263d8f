// docker-compose.yml: every service can be created (image or Dockerfile, mounts, volumes, dependencies), every
// Kiln service is configured with variables its process reads and a configuration it accepts, and every address
// a service is given names a service and a port that service listens on.
import { existsSync, statSync } from 'node:fs';
import {
  commandOf,
  dependenciesOf,
  dockerfileOf,
  environmentOf,
  hostPathOf,
  kilnServices,
  loadCompose,
  mountsOf,
  publishedPortsOf,
  REPO_ROOT,
} from './compose-model';
import { composeNetwork } from './compose-addresses';
import { kilnProcessOf } from './kiln-processes';

const compose = loadCompose();
const services = Object.entries(compose.services);
const kiln = kilnServices(compose);
const { loaded, addressProblems } = composeNetwork(compose);

const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];
// Variables of node itself a Kiln container may set; anything else not KILN_* would be read by nobody.
const NODE_VARIABLES = new Set(['NODE_ENV', 'NODE_OPTIONS', 'TZ']);

describe('docker-compose.yml', () => {
  it('gives every service an image, or a build whose Dockerfile exists', () => {
    for (const [name, service] of services) {
      const dockerfile = dockerfileOf(service);
      expect({ name, hasImageOrBuild: service.image !== undefined || dockerfile !== undefined }).toEqual({
        name,
        hasImageOrBuild: true,
      });
      if (dockerfile !== undefined)
        expect({ name, dockerfile, exists: existsSync(dockerfile) }).toMatchObject({ exists: true });
    }
  });

  it('runs every Kiln service from the one image built from the Dockerfile', () => {
    expect(kiln.map(([name]) => name).sort()).toEqual(
      [
        'erp-sync',
        'gateway',
        'ingestion',
        'maintenance',
        'migrate',
        'normalization',
        'oee',
        'simulator',
      ].sort(),
    );
    expect(new Set(kiln.map(([, service]) => service.image)).size).toBe(1);
  });

  it('lets services depend only on existing services, with valid conditions, without cycles', () => {
    for (const [name, service] of services) {
      for (const [dependency, condition] of Object.entries(dependenciesOf(service))) {
        const target = compose.services[dependency];
        expect({ name, dependency, exists: target !== undefined }).toEqual({
          name,
          dependency,
          exists: true,
        });
        expect(CONDITIONS).toContain(condition);
        if (target === undefined) continue;
        if (condition === 'service_healthy') {
          // A healthcheck of its own, or the Kiln image's HEALTHCHECK.
          const checked =
            target.healthcheck?.disable !== true &&
            (target.healthcheck !== undefined || kiln.some(([n]) => n === dependency));
          expect({ name, dependency, checked }).toEqual({ name, dependency, checked: true });
        }
        if (condition === 'service_completed_successfully') {
          expect({ dependency, restart: target.restart }).toEqual({ dependency, restart: 'no' });
        }
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`dependency cycle: ${[...path, name].join(' -> ')}`);
      visiting.add(name);
      const service = compose.services[name];
      for (const dependency of Object.keys(service === undefined ? {} : dependenciesOf(service))) {
        visit(dependency, [...path, name]);
      }
      visiting.delete(name);
      done.add(name);
    };
    for (const [name] of services) visit(name, []);
  });

  it('starts every service that uses the database after the migration succeeded', () => {
    for (const [name, service] of kiln) {
      if (commandOf(service)[0] === 'migrate' || environmentOf(service)['KILN_DATABASE_URL'] === undefined)
        continue;
      expect({ name, migrate: dependenciesOf(service)['migrate'] }).toEqual({
        name,
        migrate: 'service_completed_successfully',
      });
    }
  });

  it('bind-mounts only paths that exist in the repository, and declares every named volume', () => {
    for (const [name, service] of services) {
      const { binds, volumes } = mountsOf(service);
      for (const bind of binds) {
        expect({
          name,
          path: bind.hostPath,
          inRepo: bind.hostPath.startsWith(REPO_ROOT),
          exists: existsSync(bind.hostPath),
        }).toEqual({
          name,
          path: bind.hostPath,
          inRepo: true,
          exists: true,
        });
      }
      for (const volume of volumes) expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    }
  });

  it('sets on each Kiln service only variables its process reads', () => {
    for (const [name, service] of kiln) {
      const process = kilnProcessOf(commandOf(service));
      expect({ name, command: commandOf(service).join(' '), known: process !== undefined }).toMatchObject({
        known: true,
      });
      if (process === undefined) continue;
      const unknown = Object.keys(environmentOf(service)).filter(
        (variable) => !process.variables.has(variable) && !NODE_VARIABLES.has(variable),
      );
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('configures each Kiln service so that its process accepts the configuration (YAML and environment)', () => {
    for (const [name, service] of kiln) {
      const process = kilnProcessOf(commandOf(service));
      if (process?.load !== undefined) expect(loaded.get(name)).toBeDefined();
    }
    const file = hostPathOf(
      compose.services['normalization'] ?? {},
      environmentOf(compose.services['normalization'] ?? {})['KILN_PLANT_FILE'] ?? '',
    );
    expect(file !== undefined && statSync(file).isFile()).toBe(true);
  });

  it('publishes and exposes, for Kiln services, only ports their configuration listens on', () => {
    for (const [name, service] of kiln) {
      const ports = loaded.get(name)?.ports ?? [];
      const offered = [
        ...(service.expose ?? []).map(Number),
        ...publishedPortsOf(service).map((port) => port.containerPort),
      ];
      expect({ name, notListening: offered.filter((port) => !ports.includes(port)) }).toEqual({
        name,
        notListening: [],
      });
    }
  });

  it('publishes no host port twice', () => {
    const seen = new Map<string, string>();
    for (const [name, service] of services) {
      for (const port of publishedPortsOf(service)) {
        const key = `${port.hostPort}`;
        expect({ port: key, taken: seen.get(key), by: name }).toEqual({
          port: key,
          taken: undefined,
          by: name,
        });
        seen.set(key, name);
      }
    }
  });

  it('points Kiln services at services and ports that listen (brokers, database, Redis, collector, OPC UA)', () => {
    const problems: string[] = [];
    for (const [name, service] of kiln) {
      const env = environmentOf(service);
      const addresses = [
        ...(env['KILN_KAFKA_BROKERS']?.split(',') ?? []),
        ...Object.entries(env)
          .filter(([variable, value]) => /_(URL|ENDPOINT)$/.test(variable) && value !== '')
          .map(([, value]) => value),
        ...(loaded.get(name)?.connectsTo ?? []),
      ];
      for (const address of addresses) problems.push(...addressProblems(name, address));
    }
    expect(problems).toEqual([]);
  });

  it('checks the health of every long-running Kiln service', () => {
    for (const [name, service] of kiln) {
      if (service.restart === 'no') continue;
      expect({ name, disabled: service.healthcheck?.disable === true }).toEqual({ name, disabled: false });
    }
  });
});
