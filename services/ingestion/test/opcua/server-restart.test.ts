import './support/node-opcua-in-jest';
import { join } from 'node:path';
import { DataType } from 'node-opcua';
import { createOpcuaConnector, opcuaConnectorConfigSchema } from '../../src/connectors/opcua';
import type { Connector } from '../../src/connectors/types';
import { collectingContext } from '../support/collecting-context';
import { startPlantServer, TEST_PKI_ROOT, type PlantServer } from './support/plant-server';
import { waitFor } from './support/wait';

jest.setTimeout(90_000);

describe('OPC UA connector across a server restart', () => {
  let plant: PlantServer | undefined;
  let connector: Connector | undefined;
  let ticker: NodeJS.Timeout | undefined;

  afterEach(async () => {
    clearInterval(ticker);
    await connector?.stop();
    connector = undefined;
    await plant?.stop();
    plant = undefined;
  });

  /** Writes an increasing part count every 50 ms to whichever server instance is running. */
  function startTicking(): () => number {
    let count = 0;
    ticker = setInterval(() => {
      if (plant === undefined) return;
      count += 1;
      plant.set('partCount', { dataType: DataType.UInt32, value: count }, new Date());
    }, 50);
    return () => count;
  }

  function config(endpointUrl: string) {
    return opcuaConnectorConfigSchema.parse({
      kind: 'opcua',
      securityMode: 'None',
      id: 'restart',
      endpointUrl,
      pki: { folder: join(TEST_PKI_ROOT, 'client-none') },
      subscription: { publishingIntervalMs: 100, samplingIntervalMs: 0 },
      reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
      nodes: [{ browsePath: '/Objects/Plant/Line1/Machine1/partCount', tag: 'parts' }],
    });
  }

  it('resumes delivering changes from a new server instance on the same port, without being restarted', async () => {
    plant = await startPlantServer();
    const port = plant.port;
    const context = collectingContext('opcua-restart');
    connector = createOpcuaConnector(config(plant.endpointUrl));
    await connector.start(context);
    await waitFor(() => context.currentState() === 'connected', 'the first session');
    const written = startTicking();
    await waitFor(() => context.samplesOf('parts').length >= 10, 'changes from the first server');

    const first = plant;
    plant = undefined;
    await first.stop();
    await waitFor(
      () => context.currentState() === 'disconnected',
      'the connector to notice the server is gone',
    );
    const receivedWhileDown = context.samplesOf('parts').length;

    // A new server instance: new sessions, new subscriptions, the same address space on the same port.
    plant = await startPlantServer({ port });
    const writtenAtRestart = written();
    await waitFor(
      () => context.samplesOf('parts').some((sample) => Number(sample.value) > writtenAtRestart + 5),
      `changes from the restarted server (states: ${JSON.stringify(context.states.slice(-5))})`,
      45_000,
    );
    expect(context.currentState()).toBe('connected');
    expect(context.samplesOf('parts').length).toBeGreaterThan(receivedWhileDown);
    // After recovery, the values of the new server keep their order.
    const afterRestart = context
      .samplesOf('parts')
      .slice(receivedWhileDown)
      .map((sample) => Number(sample.value));
    expect(afterRestart).toEqual([...afterRestart].sort((a, b) => a - b));
    const reconnects = await context.registry.getSingleMetricAsString('kiln_opcua_reconnects_total');
    expect(reconnects).toMatch(/kiln_opcua_reconnects_total\{connector="restart"[^}]*\} [1-9]/);
  });

  it('re-resolves browse paths when the restarted server numbers its namespaces differently', async () => {
    plant = await startPlantServer();
    const port = plant.port;
    const context = collectingContext('opcua-moved');
    connector = createOpcuaConnector(config(plant.endpointUrl));
    await connector.start(context);
    await waitFor(() => context.currentState() === 'connected', 'the first session');
    plant.set('partCount', { dataType: DataType.UInt32, value: 1 }, new Date());
    await waitFor(
      () => context.samplesOf('parts').some((sample) => sample.value === 1),
      'a change from the first server',
    );

    const first = plant;
    plant = undefined;
    await first.stop();
    await waitFor(() => context.currentState() === 'disconnected', 'the loss of the server');
    plant = await startPlantServer({ port, shiftNamespace: true });
    const moved = plant;
    expect(moved.nodeIdOf('partCount')).toMatch(/^ns=3;/);

    // node-opcua re-creates the item for the old NodeId (ns=2); the connector notices and builds anew.
    await waitFor(
      () => context.states.some((entry) => /different address space/.test(entry.detail ?? '')),
      `the address space change to be noticed (states: ${JSON.stringify(context.states.slice(-5))})`,
      30_000,
    );
    await waitFor(() => context.currentState() === 'connected', 'the rebuilt session', 30_000);
    moved.set('partCount', { dataType: DataType.UInt32, value: 2 }, new Date());
    await waitFor(
      () => context.samplesOf('parts').some((sample) => sample.value === 2),
      'a change from the moved node',
    );
  });

  it('stops within a few seconds while the server is gone', async () => {
    plant = await startPlantServer();
    const context = collectingContext('opcua-stop');
    connector = createOpcuaConnector(config(plant.endpointUrl));
    await connector.start(context);
    await waitFor(() => context.currentState() === 'connected', 'the session');
    await plant.stop();
    plant = undefined;
    await waitFor(() => context.currentState() === 'disconnected', 'the loss of the server');

    const started = Date.now();
    await connector.stop();
    connector = undefined;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(context.currentState()).toBe('stopped');
  });

  it('keeps trying while the server is down at start, and connects once it is up', async () => {
    const reserved = await startPlantServer();
    const port = reserved.port;
    await reserved.stop();
    const context = collectingContext('opcua-late-server');
    connector = createOpcuaConnector(config(`opc.tcp://localhost:${port}`));
    await connector.start(context);
    await waitFor(
      () =>
        context.states.some(
          (entry) => entry.state === 'disconnected' && /cannot reach/.test(entry.detail ?? ''),
        ),
      `a report that the server cannot be reached (states: ${JSON.stringify(context.states)})`,
    );
    plant = await startPlantServer({ port });
    await waitFor(() => context.currentState() === 'connected', 'the late session', 30_000);
    plant.set('partCount', { dataType: DataType.UInt32, value: 77 }, new Date());
    await waitFor(() => context.samplesOf('parts').some((sample) => sample.value === 77), 'a change');
  });
});
