// kiln start's configuration: the embedded defaults apply key by key, so configuring one key of a section keeps
// the embedded defaults of the others; the data directory moves every file kiln start keeps; the gateway's REST
// listener is http.host / http.port.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EMBEDDED_BUS_BYTES_PER_PARTITION,
  EMBEDDED_PLANT_FILE,
  EMBEDDED_SHIFTS_FILE,
  loadPlatformConfig,
} from '../src/config';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-config-'));

function yaml(name: string, text: string): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

describe('kiln start configuration', () => {
  it('keeps the embedded simulator defaults when one simulator key is set', () => {
    const config = loadPlatformConfig(undefined, { KILN_SIMULATOR_OPCUA_PORT: '0' });
    expect(config.simulator.opcua.port).toBe(0);
    expect(config.simulator.opcua.host).toBe('127.0.0.1');
    expect(config.simulator.plant.area).toBe('assembly');
    expect(config.simulator.modbus.enabled).toBe(false);
    expect(config.simulator.enabled).toBe(true);
  });

  it('lets a configured simulator key override its embedded default', () => {
    const file = yaml('sim.yaml', 'simulator:\n  modbus:\n    enabled: true\n  opcua:\n    host: 0.0.0.0\n');
    const config = loadPlatformConfig(file, {});
    expect(config.simulator.modbus.enabled).toBe(true);
    expect(config.simulator.opcua.host).toBe('0.0.0.0');
    expect(config.simulator.plant.area).toBe('assembly');
  });

  it('bounds the in-process bus at 1 MiB per partition unless configured, keeping the other bus keys', () => {
    expect(EMBEDDED_BUS_BYTES_PER_PARTITION).toBe(1024 * 1024);
    const defaults = loadPlatformConfig(undefined, {});
    expect(defaults.bus).toMatchObject({
      kind: 'in-process',
      inProcess: { maxBufferedBytesPerPartition: 1048576 },
    });
    const file = yaml('bus.yaml', 'bus:\n  inProcess:\n    maxBufferedBytesPerPartition: 4194304\n');
    const configured = loadPlatformConfig(file, { KILN_BUS: 'in-process' });
    expect(configured.bus.inProcess.maxBufferedBytesPerPartition).toBe(4194304);
    const other = loadPlatformConfig(yaml('kafka.yaml', 'bus:\n  kafka:\n    clientId: x\n'), {});
    expect(other.bus.inProcess.maxBufferedBytesPerPartition).toBe(1048576);
  });

  it('keeps the embedded database and plant when another database or normalization key is set', () => {
    const file = yaml('db.yaml', 'database:\n  maxConnections: 2\nnormalization:\n  groupId: other\n');
    const config = loadPlatformConfig(file, { KILN_DATABASE_SCHEMA: 'plant_a' });
    expect(config.database).toMatchObject({
      schema: 'plant_a',
      maxConnections: 2,
      embedded: { dataDir: join('data', 'db') },
    });
    expect(config.normalization).toMatchObject({ groupId: 'other', plantFile: EMBEDDED_PLANT_FILE });
    expect(config.oee.calendarFile).toBe(EMBEDDED_SHIFTS_FILE);
  });

  it('takes Kafka SASL credentials from the environment, and names the key that is missing', () => {
    const sasl = { mechanism: 'scram-sha-512', username: 'kiln', password: 's3cret' };
    const env = {
      KILN_BUS: 'kafka',
      KILN_KAFKA_SASL_MECHANISM: sasl.mechanism,
      KILN_KAFKA_SASL_USERNAME: sasl.username,
      KILN_KAFKA_SASL_PASSWORD: sasl.password,
    };
    expect(loadPlatformConfig(undefined, env).bus.kafka.sasl).toEqual(sasl);
    expect(loadPlatformConfig(undefined, {}).bus.kafka.sasl).toBeUndefined();
    const { KILN_KAFKA_SASL_PASSWORD: _password, ...withoutPassword } = env;
    expect(() => loadPlatformConfig(undefined, withoutPassword)).toThrow(/bus\.kafka\.sasl\.password/);
  });

  it('puts the database, buffer, PKI folders under KILN_DATA_DIR unless their own keys say otherwise', () => {
    const config = loadPlatformConfig(undefined, {
      KILN_DATA_DIR: '/var/lib/kiln',
      KILN_INGESTION_BUFFER_DIRECTORY: '/buffer',
    });
    expect(config.dataDir).toBe('/var/lib/kiln');
    expect(config.database.embedded.dataDir).toBe('/var/lib/kiln/db');
    expect(config.simulator.opcua.pkiDir).toBe('/var/lib/kiln/simulator/pki');
    expect(config.ingestion.buffer.directory).toBe('/buffer');
    expect(loadPlatformConfig(undefined, { KILN_DATA_DIR: '/d' }).ingestion.buffer.directory).toBe(
      '/d/ingestion/buffer',
    );
  });

  it('serves the gateway REST on http.host:http.port (loopback, 8080) and gRPC on 50051', () => {
    const defaults = loadPlatformConfig(undefined, {});
    expect(defaults.gateway.http).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(defaults.gateway.grpc).toMatchObject({ host: '127.0.0.1', port: 50051 });
    const configured = loadPlatformConfig(undefined, {
      KILN_HTTP_HOST: '0.0.0.0',
      KILN_HTTP_PORT: '9090',
      KILN_GRPC_PORT: '9091',
      KILN_ADMIN_API_KEY: 'x'.repeat(24),
    });
    expect(configured.gateway.http).toMatchObject({ host: '0.0.0.0', port: 9090 });
    expect(configured.gateway.grpc.port).toBe(9091);
    expect(configured.gateway.auth.adminApiKey).toBe('x'.repeat(24));
  });

  it('refuses gateway.http.port in kiln start, naming the key', () => {
    const file = yaml('gw.yaml', 'gateway:\n  http:\n    port: 9000\n');
    expect(() => loadPlatformConfig(file, {})).toThrow(`${file}:3:5 gateway.http.port: unrecognized key`);
  });
});
