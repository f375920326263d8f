import { readFileSync } from 'node:fs';
import {
  AttributeIds,
  ClientSubscription,
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
  type ClientSession,
  type DataValue,
} from 'node-opcua';
import { DEFAULT_PLANT_CONFIG, Plant } from '../src/model';
import { parseSimulatorConfig } from '../src/config';
import { startOpcuaServer, type OpcuaServerHandle } from '../src/opcua/opcua-server';
import { pkiFolder } from './pki';

const START = Date.parse('2025-03-03T05:00:00Z');
const USER = { username: 'operator', password: 'secret-1' };

function opcuaConfig(allowAnonymous: boolean) {
  return parseSimulatorConfig({
    opcua: { port: 0, pkiDir: pkiFolder('server'), allowAnonymous, users: [USER] },
  }).opcua;
}

/** The first certificate of a PEM file as DER. */
function pemToDer(pem: string): Buffer {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (match?.[1] === undefined) throw new Error('no certificate in the PEM file');
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

async function secureClient(handle: OpcuaServerHandle): Promise<OPCUAClient> {
  const clientCertificateManager = new OPCUACertificateManager({
    rootFolder: pkiFolder('client'),
    automaticallyAcceptUnknownCertificate: false,
  });
  await clientCertificateManager.initialize();
  // Explicit trust: the server's certificate goes into the client's trusted folder.
  await clientCertificateManager.trustCertificate(
    pemToDer(readFileSync(handle.serverCertificateFile, 'utf8')),
  );
  return OPCUAClient.create({
    applicationName: 'kiln-simulator-test',
    securityMode: MessageSecurityMode.SignAndEncrypt,
    securityPolicy: SecurityPolicy.Basic256Sha256,
    clientCertificateManager,
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 20, initialDelay: 100, maxDelay: 500 },
  });
}

describe('the OPC UA server', () => {
  let plant: Plant;
  let handle: OpcuaServerHandle;
  let client: OPCUAClient;
  let session: ClientSession;

  beforeAll(async () => {
    plant = new Plant(DEFAULT_PLANT_CONFIG, { seed: 3, startTimeMs: START });
    plant.advance(60_000);
    handle = await startOpcuaServer(plant, opcuaConfig(false));
    client = await secureClient(handle);
    await client.connect(handle.endpointUrl);
    session = await client.createSession({
      type: UserTokenType.UserName,
      userName: USER.username,
      password: USER.password,
    });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await client?.disconnect();
    await handle?.close();
  });

  it('browses Objects/Plant/<line>/<machine>/<signal>', async () => {
    const plantNode = await session.browse('ns=1;s=Plant');
    const lines = plantNode.references?.map((r) => r.browseName.name) ?? [];
    expect(lines).toEqual(expect.arrayContaining(['line-1', 'line-2']));
    const machine = await session.browse('ns=1;s=line-2/machine-3');
    const signals = machine.references?.map((r) => r.browseName.name) ?? [];
    expect(signals).toEqual(
      expect.arrayContaining(['state', 'totalCount', 'temperature', 'vibration', 'orderNumber']),
    );
    const objects = await session.browse('i=85');
    expect(objects.references?.map((r) => r.browseName.name)).toContain('Plant');
  });

  it('serves typed values equal to the model, with engineering units and simulated source timestamps', async () => {
    const assetId = 'acme/plant-1/line-1/machine-2';
    const read = async (signal: string) =>
      session.read({ nodeId: `ns=1;s=line-1/machine-2/${signal}`, attributeId: AttributeIds.Value });
    const state = await read('state');
    expect(state.value.dataType).toBe(DataType.UInt16);
    expect(state.value.value).toBe(plant.value(assetId, 'state'));
    const total = await read('totalCount');
    expect(total.value.dataType).toBe(DataType.UInt32);
    expect(total.value.value).toBe(plant.value(assetId, 'totalCount'));
    const order = await read('orderNumber');
    expect(order.value.dataType).toBe(DataType.String);
    expect(order.value.value).toBe(plant.value(assetId, 'orderNumber'));
    const temperature = await read('temperature');
    expect(temperature.value.dataType).toBe(DataType.Double);
    expect(temperature.value.value).toBe(plant.value(assetId, 'temperature'));
    expect(temperature.sourceTimestamp?.getTime()).toBeLessThanOrEqual(plant.nowMs);
    expect(temperature.sourceTimestamp?.getTime()).toBeGreaterThanOrEqual(START);
    expect(temperature.statusCode.isGood()).toBe(true);

    const unitsPath = await session.translateBrowsePath({
      startingNode: 'ns=1;s=line-1/machine-2/vibration',
      relativePath: {
        elements: [
          {
            targetName: { name: 'EngineeringUnits' },
            isInverse: false,
            includeSubtypes: true,
            referenceTypeId: 'i=46',
          },
        ],
      },
    });
    const unitsNode = unitsPath.targets?.[0]?.targetId;
    expect(unitsNode).toBeDefined();
    const units = await session.read({ nodeId: unitsNode ?? 'i=0', attributeId: AttributeIds.Value });
    const eu = units.value.value as { displayName: { text: string } };
    expect(eu.displayName.text).toBe('mm/s');
  });

  it('pushes model changes to a subscription with source timestamps in simulated time', async () => {
    const subscription = ClientSubscription.create(session, {
      requestedPublishingInterval: 50,
      requestedLifetimeCount: 100,
      requestedMaxKeepAliveCount: 10,
      maxNotificationsPerPublish: 1000,
      publishingEnabled: true,
    });
    const received: DataValue[] = [];
    const item = await subscription.monitor(
      { nodeId: 'ns=1;s=line-1/machine-1/temperature', attributeId: AttributeIds.Value },
      { samplingInterval: 0, discardOldest: true, queueSize: 100 },
      TimestampsToReturn.Both,
    );
    item.on('changed', (value: DataValue) => received.push(value));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = received.length;
    const t0 = plant.nowMs;
    for (let i = 0; i < 5; i += 1) {
      plant.advance(1_000);
      await new Promise((resolve) => setTimeout(resolve, 80));
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    const fresh = received.slice(before);
    expect(fresh.length).toBeGreaterThanOrEqual(3);
    for (const value of fresh) {
      expect(value.sourceTimestamp?.getTime()).toBeGreaterThan(t0);
      expect(value.sourceTimestamp?.getTime()).toBeLessThanOrEqual(plant.nowMs);
    }
    expect(fresh.at(-1)?.value.value).toBe(plant.value('acme/plant-1/line-1/machine-1', 'temperature'));
    await subscription.terminate();
  });

  it('rejects an anonymous session when anonymous access is disabled', async () => {
    const anonymous = await secureClient(handle);
    await anonymous.connect(handle.endpointUrl);
    await expect(anonymous.createSession()).rejects.toThrow();
    await expect(
      anonymous.createSession({ type: UserTokenType.UserName, userName: USER.username, password: 'wrong' }),
    ).rejects.toThrow();
    await anonymous.disconnect();
  });

  it('stops and starts again on the same port, and a client reconnects', async () => {
    const port = handle.port;
    await handle.stop();
    expect(handle.running).toBe(false);
    plant.advance(5_000);
    await handle.start();
    expect(handle.port).toBe(port);
    const again = await secureClient(handle);
    await again.connect(handle.endpointUrl);
    const fresh = await again.createSession({
      type: UserTokenType.UserName,
      userName: USER.username,
      password: USER.password,
    });
    const value = await fresh.read({
      nodeId: 'ns=1;s=line-1/machine-1/totalCount',
      attributeId: AttributeIds.Value,
    });
    expect(value.value.value).toBe(plant.value('acme/plant-1/line-1/machine-1', 'totalCount'));
    await fresh.close();
    await again.disconnect();
    // The long-lived client from beforeAll reconnects by itself.
    const reread = await session.read({
      nodeId: 'ns=1;s=line-1/machine-1/state',
      attributeId: AttributeIds.Value,
    });
    expect(reread.value.value).toBe(plant.value('acme/plant-1/line-1/machine-1', 'state'));
  }, 60_000);
});
