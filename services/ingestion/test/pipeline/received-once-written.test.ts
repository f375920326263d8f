// kiln_ingestion_samples_received_total counts a value once the store-and-forward buffer has written it, not when
// a connector hands it over: values of OPC UA and Modbus, which no source acknowledgement protects, may still wait
// in the batcher (batching.lingerMs) where a kill -9 loses them, and must not be counted as received meanwhile.
import '../opcua/support/node-opcua-in-jest';
import { join } from 'node:path';
import { DataType } from 'node-opcua';
import type { Registry } from '@kiln/service-kit';
import { waitUntil } from '@kiln/test-infra';
import { startModbusTestDevice, type ModbusTestDevice } from '../modbus/modbus-test-server';
import { startPlantServer, TEST_PKI_ROOT, type PlantServer } from '../opcua/support/plant-server';
import { startPipeline, type PipelineUnderTest } from './support';

/** Long enough that the first batch surely still lingers when the test looks. */
const LINGER_MS = 8_000;

async function total(registry: Registry, name: string, connector: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((value) => value.labels['connector'] === connector)
    .reduce((sum, value) => sum + value.value, 0);
}

describe('samples counted as received', () => {
  let pipeline: PipelineUnderTest | undefined;
  let device: ModbusTestDevice | undefined;
  let plant: PlantServer | undefined;

  afterEach(async () => {
    await pipeline?.stop();
    await device?.close();
    await plant?.stop();
    pipeline = undefined;
    device = undefined;
    plant = undefined;
  }, 30_000);

  it('counts Modbus values only once the buffer wrote them, then every one of them', async () => {
    device = await startModbusTestDevice();
    device.holding.writeUInt16BE(7, 0);
    pipeline = await startPipeline('received-modbus', {
      batching: { lingerMs: LINGER_MS },
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
              registers: [{ tag: 'strokes', area: 'holding', address: 0, type: 'uint16' }],
            },
          ],
        },
      ],
    });
    const { registry, ingestion } = pipeline;
    await waitUntil(async () => (await total(registry, 'kiln_modbus_polls_total', 'press-hall')) >= 3, {
      timeoutMs: 5_000,
      what: 'three polls',
    });
    // Read and handed to the pipeline, still in the batcher: nothing is in the buffer yet.
    expect(ingestion.buffer.lastAppendedId()).toBe(0);
    expect(await total(registry, 'kiln_ingestion_samples_received_total', 'press-hall')).toBe(0);

    const running = pipeline;
    await waitUntil(() => running.samples.length > 0, {
      timeoutMs: LINGER_MS + 5_000,
      what: 'the first batch published',
    });
    let received = 0;
    await waitUntil(
      async () =>
        (received = await total(registry, 'kiln_ingestion_samples_received_total', 'press-hall')) >= 3,
      { timeoutMs: 5_000, what: 'the written samples counted' },
    );
    await waitUntil(() => running.samples.length >= received, {
      timeoutMs: 5_000,
      what: 'every sample counted as received published',
      describe: () => `${running.samples.length} of ${received}`,
    });
  }, 30_000);

  it('counts OPC UA values only once the buffer wrote them', async () => {
    plant = await startPlantServer();
    pipeline = await startPipeline('received-opcua', {
      batching: { lingerMs: LINGER_MS },
      connectors: [
        {
          kind: 'opcua',
          securityMode: 'None',
          id: 'line-1',
          endpointUrl: plant.endpointUrl,
          pki: { folder: join(TEST_PKI_ROOT, 'client-none') },
          subscription: { publishingIntervalMs: 100, samplingIntervalMs: 0 },
          nodes: [{ browsePath: '/Objects/Plant/Line1/Machine1/partCount', tag: 'parts' }],
        },
      ],
    });
    const { registry, ingestion } = pipeline;
    await waitUntil(async () => (await total(registry, 'kiln_opcua_data_changes_total', 'line-1')) >= 1, {
      timeoutMs: 20_000,
      what: 'the first data change',
    });
    plant.set('partCount', { dataType: DataType.UInt32, value: 41 }, new Date());
    await waitUntil(async () => (await total(registry, 'kiln_opcua_data_changes_total', 'line-1')) >= 2, {
      timeoutMs: 5_000,
      what: 'the second data change',
    });
    expect(ingestion.buffer.lastAppendedId()).toBe(0);
    expect(await total(registry, 'kiln_ingestion_samples_received_total', 'line-1')).toBe(0);

    const running = pipeline;
    await waitUntil(() => running.samples.length >= 2, {
      timeoutMs: LINGER_MS + 5_000,
      what: 'the batch published',
    });
    await waitUntil(
      async () => (await total(registry, 'kiln_ingestion_samples_received_total', 'line-1')) >= 2,
      {
        timeoutMs: 5_000,
        what: 'the written samples counted',
      },
    );
  }, 60_000);
});
