import './support/node-opcua-in-jest';
import { join } from 'node:path';
import { DataType, StatusCodes, Variant, VariantArrayType } from 'node-opcua';
import {
  createOpcuaConnector,
  opcuaConnectorConfigSchema,
  type OpcuaConnectorConfigInput,
} from '../../src/connectors/opcua';
import type { Connector } from '../../src/connectors/types';
import { collectingContext, type CollectingContext } from '../support/collecting-context';
import { startPlantServer, TEST_PKI_ROOT, TEST_USER, type PlantServer } from './support/plant-server';
import { delay, waitFor } from './support/wait';

jest.setTimeout(60_000);

describe('OPC UA connector over SignAndEncrypt / Basic256Sha256', () => {
  let plant: PlantServer;
  let connector: Connector | undefined;

  beforeAll(async () => {
    plant = await startPlantServer();
  });
  afterEach(async () => {
    await connector?.stop();
    connector = undefined;
  });
  afterAll(async () => {
    await plant.stop();
  });

  function config(overrides: Partial<OpcuaConnectorConfigInput> = {}) {
    return opcuaConnectorConfigSchema.parse({
      kind: 'opcua',
      id: 'press-line',
      endpointUrl: plant.endpointUrl,
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      auth: { type: 'username', ...TEST_USER },
      pki: {
        folder: join(TEST_PKI_ROOT, 'client-trusting'),
        trustedServerCertificates: [plant.certificateFile],
      },
      subscription: { publishingIntervalMs: 100, samplingIntervalMs: 0, queueSize: 1000 },
      reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
      nodes: [{ nodeId: plant.nodeIdOf('temperature') }],
      ...overrides,
    } satisfies OpcuaConnectorConfigInput);
  }

  async function startConnected(
    connectorConfig: ReturnType<typeof config>,
    name: string,
  ): Promise<CollectingContext> {
    const context = collectingContext(name);
    connector = createOpcuaConnector(connectorConfig);
    await connector.start(context);
    await waitFor(
      () => context.currentState() === 'connected',
      `a session (states: ${JSON.stringify(context.states)})`,
    );
    return context;
  }

  it('delivers every written value of NodeId, browse-path and browsed nodes, in order, with source time and status', async () => {
    const context = await startConnected(
      config({
        nodes: [
          { nodeId: plant.nodeIdOf('temperature') },
          { nodeId: plant.nodeIdOf('partCount'), tag: 'Line1/Machine1/parts' },
          { browsePath: '/Objects/Plant/Line1/Machine1/running' },
          { browsePath: '/Objects/2:Plant/Line1/Machine1/program' },
          { browse: { root: '/Objects/Plant/Line1/Machine2', maxDepth: 2 } },
        ],
      }),
      'opcua-all-values',
    );
    const tags = {
      temperature: plant.nodeIdOf('temperature'),
      partCount: 'Line1/Machine1/parts',
      running: 'Plant/Line1/Machine1/running',
      program: 'Plant/Line1/Machine1/program',
      energyWh: 'Plant/Line1/Machine2/energyWh',
    };
    // The browsed subtree brings every Variable of Machine2, none of its properties.
    await waitFor(
      () => Object.values(tags).every((tag) => context.samplesOf(tag).length === 1),
      'the initial values',
    );
    expect(new Set(context.samples.map((entry) => entry.sample.tag))).toEqual(
      new Set([
        ...Object.values(tags).slice(0, 4),
        ...['temperature', 'partCount', 'running', 'program', 'energyWh', 'vibration', 'status'].map(
          (name) => `Plant/Line1/Machine2/${name}`,
        ),
      ]),
    );
    const initialCount = context.samples.length;

    const writes = 50;
    const base = Date.UTC(2026, 0, 15, 6, 0, 0);
    const written: Record<keyof typeof tags, { value: unknown; time: number }[]> = {
      temperature: [],
      partCount: [],
      running: [],
      program: [],
      energyWh: [],
    };
    for (let i = 1; i <= writes; i += 1) {
      const at = (offsetMs: number) => new Date(base + i * 10 + offsetMs);
      // Both 32-bit words matter, within ±(2^53 - 1): the pipeline's sample check refuses larger ones by name.
      const int64 = i % 2 === 0 ? 2n ** 52n + BigInt(i) : -(2n ** 40n) - BigInt(i);
      const words = BigInt.asUintN(64, int64);
      plant.set('temperature', { dataType: DataType.Double, value: 20 + i / 8 }, at(0));
      plant.set('partCount', { dataType: DataType.UInt32, value: 4_000_000_000 + i }, at(1));
      plant.set('running', { dataType: DataType.Boolean, value: i % 2 === 1 }, at(2));
      plant.set('program', { dataType: DataType.String, value: `P-${i}` }, at(3));
      plant.set(
        'energyWh',
        new Variant({
          dataType: DataType.Int64,
          arrayType: VariantArrayType.Scalar,
          value: [Number(words >> 32n), Number(words & 0xffff_ffffn)],
        }),
        at(4),
        StatusCodes.Good,
        'Machine2',
      );
      written.temperature.push({ value: 20 + i / 8, time: base + i * 10 });
      written.partCount.push({ value: 4_000_000_000 + i, time: base + i * 10 + 1 });
      written.running.push({ value: i % 2 === 1, time: base + i * 10 + 2 });
      written.program.push({ value: `P-${i}`, time: base + i * 10 + 3 });
      written.energyWh.push({ value: int64, time: base + i * 10 + 4 });
      // Several writes per publishing interval (100 ms): the server's queue must hold them all.
      if (i % 10 === 0) await delay(30);
    }

    await waitFor(
      () => context.samples.length >= initialCount + writes * Object.keys(tags).length,
      'every written value',
    );
    for (const [name, tag] of Object.entries(tags) as [keyof typeof tags, string][]) {
      const received = context.samplesOf(tag).slice(1);
      expect(received.map((sample) => sample.value)).toEqual(written[name].map((write) => write.value));
      expect(received.map((sample) => sample.sourceTimeUs)).toEqual(
        written[name].map((write) => write.time * 1000),
      );
      expect(received.every((sample) => sample.quality === 'good' && sample.statusCode === 0)).toBe(true);
      expect(received.every((sample) => sample.receiveTimeUs >= (sample.sourceTimeUs ?? 0))).toBe(true);
    }
    expect(context.samples.every((entry) => entry.sourceId === 'opcua/press-line')).toBe(true);
    expect(context.rejected).toEqual([]);
    const metrics = await context.registry.getSingleMetricAsString('kiln_opcua_monitored_items');
    expect(metrics).toMatch(/kiln_opcua_monitored_items\{connector="press-line"[^}]*\} 11$/m);
  });

  it('passes Bad and Uncertain status codes through as quality with the StatusCode value', async () => {
    const context = await startConnected(
      config({ nodes: [{ nodeId: plant.nodeIdOf('vibration') }] }),
      'opcua-status',
    );
    const tag = plant.nodeIdOf('vibration');
    await waitFor(() => context.samplesOf(tag).length === 1, 'the initial value');
    const at = new Date(Date.UTC(2026, 0, 15, 7, 0, 0));
    plant.set('vibration', { dataType: DataType.Double, value: 4.5 }, at, StatusCodes.BadSensorFailure);
    plant.set(
      'vibration',
      { dataType: DataType.Double, value: 4.6 },
      new Date(at.getTime() + 1),
      StatusCodes.UncertainLastUsableValue,
    );
    plant.set(
      'vibration',
      { dataType: DataType.Double, value: 4.7 },
      new Date(at.getTime() + 2),
      StatusCodes.Good,
    );

    await waitFor(() => context.samplesOf(tag).length === 4, 'three status changes');
    expect(
      context
        .samplesOf(tag)
        .slice(1)
        .map(({ value, quality, statusCode }) => ({ value, quality, statusCode })),
    ).toEqual([
      { value: 4.5, quality: 'bad', statusCode: StatusCodes.BadSensorFailure.value },
      { value: 4.6, quality: 'uncertain', statusCode: StatusCodes.UncertainLastUsableValue.value },
      { value: 4.7, quality: 'good', statusCode: 0 },
    ]);
  });

  it('dead-letters a Bad value without a value instead of inventing one', async () => {
    const context = await startConnected(
      config({ nodes: [{ nodeId: plant.nodeIdOf('status') }] }),
      'opcua-null',
    );
    const tag = plant.nodeIdOf('status');
    await waitFor(() => context.samplesOf(tag).length === 1, 'the initial value');
    plant.set('status', { dataType: DataType.Null }, new Date(), StatusCodes.BadNoCommunication);
    plant.set('status', { dataType: DataType.String, value: 'back' }, new Date(), StatusCodes.Good);
    await waitFor(() => context.samplesOf(tag).length === 2, 'the value after the gap');
    expect(context.rejected).toHaveLength(1);
    expect(context.rejected[0]).toMatchObject({
      sourceId: 'opcua/press-line',
      cause: 'missing-value',
      origin: tag,
    });
    expect(context.rejected[0]?.payload.length).toBeGreaterThan(0);
  });

  it('reports a refused password as disconnected, naming the failure, and keeps retrying', async () => {
    const context = collectingContext('opcua-wrong-password');
    connector = createOpcuaConnector(
      config({ auth: { type: 'username', username: TEST_USER.username, password: 'nope' } }),
    );
    await connector.start(context);
    const refusals = () =>
      context.states.filter(
        (entry) =>
          entry.state === 'disconnected' &&
          /BadUserAccessDenied|BadIdentityTokenRejected/.test(entry.detail ?? ''),
      );
    await waitFor(
      () => refusals().length >= 2,
      `two refused attempts (states: ${JSON.stringify(context.states)})`,
    );
    expect(context.states.some((entry) => entry.state === 'connected')).toBe(false);
    expect(refusals()[0]?.detail).toMatch(/^cannot open a session: .*; retrying in \d+ ms$/);
  });

  it('does not connect to a server whose certificate it does not trust, and says why', async () => {
    const context = collectingContext('opcua-untrusted');
    // A PKI folder of its own, whose trust list does not hold the server's certificate.
    connector = createOpcuaConnector(
      config({
        pki: {
          folder: join(TEST_PKI_ROOT, 'client-untrusting'),
          automaticallyAcceptUnknownCertificate: false,
        },
      }),
    );
    await connector.start(context);
    await waitFor(
      () =>
        context.states.some(
          (entry) =>
            entry.state === 'disconnected' && /certificate|BadSecurityChecksFailed/i.test(entry.detail ?? ''),
        ),
      `a refusal naming the certificate (states: ${JSON.stringify(context.states)})`,
    );
    await delay(500);
    expect(context.states.some((entry) => entry.state === 'connected')).toBe(false);
    expect(context.samples).toEqual([]);
  });
});
