import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  loadConfig,
  locateYamlPath,
  parseYamlSource,
  serviceConfigSchema,
  serviceEnvMap,
} from '../src';

const schema = z.strictObject({
  ...serviceConfigSchema,
  bus: z.strictObject({
    kafka: z.strictObject({
      brokers: z.array(z.string().min(1)).min(1),
      clientId: z.string().default('kiln'),
      ssl: z.boolean().default(false),
    }),
  }),
});

const envMap = { ...serviceEnvMap, BUS_BROKERS: 'bus.kafka.brokers', BUS_SSL: 'bus.kafka.ssl' };

const dir = mkdtempSync(join(tmpdir(), 'kiln-config-'));
function yamlFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills nested defaults when the file and environment say nothing about them', () => {
    const file = yamlFile('minimal.yaml', 'bus:\n  kafka:\n    brokers: [kafka:9092]\n');
    const config = loadConfig({ schema, file, env: {}, envMap, envPrefix: 'KILN_' });
    expect(config).toEqual({
      http: { host: '0.0.0.0', port: 8080 },
      log: { level: 'info' },
      telemetry: {},
      shutdown: { drainTimeoutMs: 8000, hardTimeoutMs: 10_000 },
      bus: { kafka: { brokers: ['kafka:9092'], clientId: 'kiln', ssl: false } },
    });
  });

  it('lets environment variables override the file, converting them by the schema type', () => {
    const file = yamlFile('full.yaml', 'http:\n  port: 9090\nbus:\n  kafka:\n    brokers: [a:9092]\n');
    const env = {
      KILN_HTTP_PORT: '7070',
      KILN_BUS_BROKERS: 'b:9092, c:9092',
      KILN_BUS_SSL: 'true',
      KILN_LOG_LEVEL: '',
    };
    const config = loadConfig({ schema, file, env, envMap, envPrefix: 'KILN_' });
    expect(config.http.port).toBe(7070);
    expect(config.bus.kafka.brokers).toEqual(['b:9092', 'c:9092']);
    expect(config.bus.kafka.ssl).toBe(true);
    expect(config.log.level).toBe('info');
  });

  it('configures a service from the environment alone when no file is given', () => {
    const config = loadConfig({
      schema,
      env: { KILN_BUS_BROKERS: 'kafka:9092' },
      envMap,
      envPrefix: 'KILN_',
    });
    expect(config.bus.kafka.brokers).toEqual(['kafka:9092']);
  });

  it('names an unknown YAML key with file:line:column and its dotted path', () => {
    const file = yamlFile(
      'typo.yaml',
      'http:\n  port: 9090\nbus:\n  kafka:\n    brokers: [a:9092]\n    brokrs: [b:9092]\n',
    );
    const error = configErrorOf(() => loadConfig({ schema, file, env: {}, envMap }));
    expect(error.message).toBe(`invalid configuration:\n  ${file}:6:5 bus.kafka.brokrs: unrecognized key`);
    expect(error.issues).toEqual([
      {
        path: 'bus.kafka.brokrs',
        message: 'unrecognized key',
        source: { kind: 'file', file, line: 6, col: 5 },
      },
    ]);
  });

  it('names the environment variable that holds a value of the wrong type', () => {
    const error = configErrorOf(() =>
      loadConfig({
        schema,
        env: { KILN_HTTP_PORT: 'abc', KILN_BUS_BROKERS: 'a:9092' },
        envMap,
        envPrefix: 'KILN_',
      }),
    );
    expect(error.message).toBe(
      'invalid configuration:\n  env KILN_HTTP_PORT (http.port): expected number, received "abc"',
    );
  });

  it('reports every bad key at once, each with its own source', () => {
    const file = yamlFile('many.yaml', 'log:\n  level: loud\nbus:\n  kafka:\n    clientId: 7\n');
    const error = configErrorOf(() =>
      loadConfig({ schema, file, env: { KILN_BUS_SSL: 'maybe' }, envMap, envPrefix: 'KILN_' }),
    );
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('invalid configuration:');
    expect(lines).toContain(
      `  ${file}:2:10 log.level: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"`,
    );
    // A missing key points at the mapping it belongs in.
    expect(lines).toContain(`  ${file}:4:3 bus.kafka.brokers: required (expected array)`);
    expect(lines).toContain(`  ${file}:5:15 bus.kafka.clientId: expected string, received 7`);
    expect(lines).toContain('  env KILN_BUS_SSL (bus.kafka.ssl): expected boolean, received "maybe"');
  });

  it('names the line of a YAML syntax error', () => {
    const file = yamlFile('duplicate.yaml', 'http:\n  port: 1\n  port: 2\n');
    const error = configErrorOf(() => loadConfig({ schema, file, env: {}, envMap }));
    expect(error.message).toBe(
      `invalid configuration:\n  ${file}:3:3 YAML syntax error: Map keys must be unique`,
    );

    const unclosed = yamlFile('unclosed.yaml', 'bus:\n  kafka:\n    brokers: [a:9092\nlog: {}\n');
    expect(configErrorOf(() => loadConfig({ schema, file: unclosed, env: {}, envMap })).message).toMatch(
      new RegExp(`${unclosed}:\\d+:\\d+ YAML syntax error: `),
    );
  });

  it('rejects a file whose top level is not a mapping', () => {
    const file = yamlFile('list.yaml', '- a\n- b\n');
    expect(configErrorOf(() => loadConfig({ schema, file, env: {}, envMap })).message).toBe(
      `invalid configuration:\n  ${file}:1:1 the top level must be a mapping of configuration keys`,
    );
  });

  it('says which file it could not read', () => {
    const file = join(dir, 'missing.yaml');
    expect(configErrorOf(() => loadConfig({ schema, file, env: {}, envMap })).message).toContain(
      `cannot read configuration file ${file}: ENOENT`,
    );
  });

  it('accepts an empty file when everything required comes from the environment', () => {
    const file = yamlFile('empty.yaml', '');
    const config = loadConfig({
      schema,
      file,
      env: { KILN_BUS_BROKERS: 'k:9092' },
      envMap,
      envPrefix: 'KILN_',
    });
    expect(config.http.host).toBe('0.0.0.0');
  });

  it('checks that the drain budget fits inside the hard shutdown deadline', () => {
    const file = yamlFile(
      'shutdown.yaml',
      'shutdown:\n  drainTimeoutMs: 20000\nbus:\n  kafka:\n    brokers: [a]\n',
    );
    expect(configErrorOf(() => loadConfig({ schema, file, env: {}, envMap })).message).toContain(
      `${file}:2:19 shutdown.drainTimeoutMs: drainTimeoutMs must not exceed hardTimeoutMs`,
    );
  });
});

describe('a hostile configuration file', () => {
  it('refuses an alias bomb as a ConfigError naming the file (the yaml library throws a ReferenceError)', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...['b', 'c', 'd', 'e', 'f'].map(
        (name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcde'[i]}`).join(', ')}]`,
      ),
    ].join('\n');
    const file = yamlFile('bomb.yaml', bomb);
    expect(configErrorOf(() => loadConfig({ schema, file, env: {}, envMap })).message).toMatch(
      /bomb\.yaml:1:1 .*cannot be read: Excessive alias count/,
    );
  });

  it('refuses nesting the parser cannot take at its position, before parsing', () => {
    const file = yamlFile('deep.yaml', `bus: ${'['.repeat(5_000)}`);
    expect(configErrorOf(() => loadConfig({ schema, file, env: {}, envMap })).message).toMatch(
      /deep\.yaml:1:\d+ .*nest/,
    );
  });
});

describe('locateYamlPath', () => {
  const source = parseYamlSource(
    'assets:\n  - id: press-1\n    tags:\n      temp: { unit: degC }\n',
    'plant.yaml',
  );

  it('finds values inside lists and flow mappings', () => {
    expect(locateYamlPath(source.doc, source.lineCounter, ['assets', 0, 'id'])).toEqual({ line: 2, col: 9 });
    expect(locateYamlPath(source.doc, source.lineCounter, ['assets', 0, 'tags', 'temp', 'unit'])).toEqual({
      line: 4,
      col: 21,
    });
  });

  it('points at the key or at the value as asked', () => {
    expect(locateYamlPath(source.doc, source.lineCounter, ['assets', 0, 'tags'], { at: 'key' })).toEqual({
      line: 3,
      col: 5,
    });
    expect(locateYamlPath(source.doc, source.lineCounter, ['assets', 0, 'tags'])).toEqual({
      line: 4,
      col: 7,
    });
  });

  it('returns undefined for a missing path unless asked for the nearest existing part', () => {
    expect(locateYamlPath(source.doc, source.lineCounter, ['assets', 3])).toBeUndefined();
    expect(locateYamlPath(source.doc, source.lineCounter, ['assets', 0, 'line'], { nearest: true })).toEqual({
      line: 2,
      col: 5,
    });
  });
});
