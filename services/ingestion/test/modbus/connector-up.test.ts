// What a Modbus connector with several devices reports: up while any of its devices answers (a dead press must not
// hide the working one), each device on its own in kiln_modbus_device_up, and down once none answers.
import type { Registry } from '@kiln/service-kit';
import { waitUntil } from '@kiln/test-infra';
import { startPipeline, type PipelineUnderTest } from '../pipeline/support';
import { startModbusTestDevice, unusedPort, type ModbusTestDevice } from './modbus-test-server';

async function gauge(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((value) =>
    Object.entries(labels).every(([label, wanted]) => value.labels[label] === wanted),
  )?.value;
}

describe('a Modbus connector with one of two devices down', () => {
  let pipeline: PipelineUnderTest | undefined;
  let device: ModbusTestDevice | undefined;

  afterEach(async () => {
    await pipeline?.stop();
    await device?.close();
  });

  it('reports the connector up while one device answers, each device apart, and down once none does', async () => {
    device = await startModbusTestDevice();
    const deadPort = await unusedPort();
    const register = { tag: 'value', area: 'holding', address: 0, type: 'uint16' } as const;
    pipeline = await startPipeline('modbus-connector-up', {
      connectors: [
        {
          kind: 'modbus',
          id: 'press-hall',
          devices: [
            {
              id: 'press-04',
              host: '127.0.0.1',
              port: device.port,
              pollIntervalMs: 100,
              timeoutMs: 500,
              backoff: { initialMs: 100, maxMs: 300 },
              registers: [register],
            },
            {
              id: 'press-05',
              host: '127.0.0.1',
              port: deadPort,
              pollIntervalMs: 100,
              backoff: { initialMs: 100, maxMs: 300 },
              registers: [register],
            },
          ],
        },
      ],
    });
    const { registry, ingestion } = pipeline;
    const connectorUp = () => gauge(registry, 'kiln_ingestion_connector_up', { connector: 'press-hall' });
    const deviceUp = (id: string) =>
      gauge(registry, 'kiln_modbus_device_up', { connector: 'press-hall', device: id });

    await waitUntil(async () => (await deviceUp('press-05')) === 0 && (await deviceUp('press-04')) === 1, {
      timeoutMs: 5_000,
      what: 'both devices polled or tried',
    });
    expect(await connectorUp()).toBe(1);
    const [status] = ingestion.status();
    expect(status).toMatchObject({ id: 'press-hall', state: 'connected' });
    expect(status?.detail).toMatch(
      /1 of 2 devices down: press-05 \(connect to 127\.0\.0\.1:\d+ .*ECONNREFUSED/,
    );

    await device.close();
    await waitUntil(async () => (await connectorUp()) === 0, {
      timeoutMs: 10_000,
      what: 'the connector to be down once neither device answers',
    });
    expect(await deviceUp('press-04')).toBe(0);
    expect(ingestion.status()[0]).toMatchObject({ state: 'disconnected' });
    expect(ingestion.status()[0]?.detail).toMatch(/2 of 2 devices down/);
  }, 30_000);
});
