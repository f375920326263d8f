// The plant as an OPC UA server: Objects/Plant/<line>/<machine>/<signal>, typed variables, engineering
// units on the analog items, source timestamps in simulated time. Stop and start again on the same port.
import { mkdirSync } from 'node:fs';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  type Namespace,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import type { Logger } from '@kiln/service-kit';
import type { SimulatorConfig } from '../config';
import { freePort } from '../free-port';
import { SIGNALS, type Plant, type SignalDataType, type SignalName, type SignalValue } from '../model';
import { euInformation } from './units';

export type OpcuaConfig = SimulatorConfig['opcua'];

export interface OpcuaServerHandle {
  /** e.g. `opc.tcp://host:4840/UA/KilnSimulator`. */
  readonly endpointUrl: string;
  readonly port: number;
  /** PEM file of the server certificate: add it to a client's trusted folder to trust this server. */
  readonly serverCertificateFile: string;
  readonly running: boolean;
  /** Changes pushed into the address space since the first start. */
  stats(): { readonly valueUpdates: number };
  stop(): Promise<void>;
  /** Starts again (same port, same certificate) after `stop`. */
  start(): Promise<void>;
  /** Stops for good and detaches from the plant. */
  close(): Promise<void>;
}

const DATA_TYPE: Readonly<Record<SignalDataType, DataType>> = {
  UInt16: DataType.UInt16,
  UInt32: DataType.UInt32,
  Double: DataType.Double,
  String: DataType.String,
};

const SECURITY_MODE = { None: MessageSecurityMode.None, SignAndEncrypt: MessageSecurityMode.SignAndEncrypt };

/** The node id of a signal's variable in namespace 1, e.g. `ns=1;s=line-1/machine-2/temperature`. */
export function opcuaNodeId(lineId: string, machineId: string, signal: SignalName): string {
  return `ns=1;s=${lineId}/${machineId}/${signal}`;
}

export async function startOpcuaServer(
  plant: Plant,
  config: OpcuaConfig,
  logger?: Logger,
): Promise<OpcuaServerHandle> {
  const port = config.port === 0 ? await freePort(config.host) : config.port;
  mkdirSync(config.pkiDir, { recursive: true });
  const variables = new Map<string, { variable: UAVariable; dataType: DataType }>();
  let server: OPCUAServer | undefined;
  let endpointUrl = '';
  let certificateFile = '';
  let valueUpdates = 0;

  const key = (assetId: string, signal: SignalName): string => `${assetId}\u0000${signal}`;
  const write = (assetId: string, signal: SignalName, value: SignalValue, sourceTimeMs: number): void => {
    const entry = variables.get(key(assetId, signal));
    if (entry === undefined) return;
    entry.variable.setValueFromSource(
      new Variant({ dataType: entry.dataType, value }),
      StatusCodes.Good,
      new Date(sourceTimeMs),
    );
  };
  const unsubscribe = plant.onChange((change) => {
    if (server === undefined) return;
    valueUpdates += 1;
    write(change.assetId, change.signal, change.value, change.sourceTimeMs);
  });

  const start = async (): Promise<void> => {
    if (server !== undefined) return;
    const certificateManager = new OPCUACertificateManager({
      rootFolder: config.pkiDir,
      automaticallyAcceptUnknownCertificate: config.trustUnknownClients,
    });
    const users = config.users;
    const next = new OPCUAServer({
      port,
      hostname: config.host,
      resourcePath: '/UA/KilnSimulator',
      serverCertificateManager: certificateManager,
      securityModes: config.securityModes.map((mode) => SECURITY_MODE[mode]),
      securityPolicies: [
        ...(config.securityModes.includes('None') ? [SecurityPolicy.None] : []),
        ...(config.securityModes.includes('SignAndEncrypt') ? [SecurityPolicy.Basic256Sha256] : []),
      ],
      allowAnonymous: config.allowAnonymous,
      userManager: {
        isValidUser: (username: string, password: string) =>
          users.some((user) => user.username === username && user.password === password),
      },
      buildInfo: { productName: 'Kiln simulator', manufacturerName: 'Kiln', softwareVersion: '0.1.0' },
      serverInfo: { applicationUri: config.applicationUri, productUri: 'urn:kiln:simulator' },
    });
    await next.initialize();
    const addressSpace = next.engine.addressSpace;
    if (addressSpace === null) throw new Error('OPC UA server initialised without an address space');
    const namespace = addressSpace.getOwnNamespace();
    buildPlant(namespace, addressSpace.rootFolder.objects, plant, variables);
    for (const machine of plant.machines) {
      for (const [signal, value] of Object.entries(machine.snapshot())) {
        write(machine.identity.assetId, signal as SignalName, value, plant.nowMs);
      }
    }
    await next.start();
    server = next;
    endpointUrl = next.getEndpointUrl();
    certificateFile = next.certificateFile;
    logger?.info({ endpointUrl, certificateFile }, 'OPC UA server listening');
  };

  const stop = async (): Promise<void> => {
    const current = server;
    if (current === undefined) return;
    server = undefined;
    variables.clear();
    await current.shutdown(0);
    logger?.info({ endpointUrl }, 'OPC UA server stopped');
  };

  await start();
  return {
    get endpointUrl() {
      return endpointUrl;
    },
    port,
    get serverCertificateFile() {
      return certificateFile;
    },
    get running() {
      return server !== undefined;
    },
    stats: () => ({ valueUpdates }),
    start,
    stop,
    async close() {
      unsubscribe();
      await stop();
    },
  };
}

function buildPlant(
  namespace: Namespace,
  objectsFolder: UAObject,
  plant: Plant,
  variables: Map<string, { variable: UAVariable; dataType: DataType }>,
): void {
  const plantNode = namespace.addObject({
    organizedBy: objectsFolder,
    browseName: 'Plant',
    nodeId: 's=Plant',
  });
  const lineNodes = new Map<string, UAObject>();
  for (const machine of plant.machines) {
    const { lineId, machineId, assetId } = machine.identity;
    let lineNode = lineNodes.get(lineId);
    if (lineNode === undefined) {
      lineNode = namespace.addObject({ componentOf: plantNode, browseName: lineId, nodeId: `s=${lineId}` });
      lineNodes.set(lineId, lineNode);
    }
    const machineNode = namespace.addObject({
      componentOf: lineNode,
      browseName: machineId,
      nodeId: `s=${lineId}/${machineId}`,
      description: assetId,
    });
    for (const signal of SIGNALS) {
      const nodeId = `s=${lineId}/${machineId}/${signal.name}`;
      const dataType = DATA_TYPE[signal.dataType];
      const engineeringUnits = euInformation(signal.unit);
      const variable =
        signal.dataType === 'Double' && engineeringUnits !== undefined
          ? namespace.addAnalogDataItem({
              componentOf: machineNode,
              browseName: signal.name,
              nodeId,
              description: signal.description,
              dataType: 'Double',
              engineeringUnits,
              engineeringUnitsRange: signal.range ?? { low: 0, high: 1000 },
              minimumSamplingInterval: 0,
            })
          : namespace.addVariable({
              componentOf: machineNode,
              browseName: signal.name,
              nodeId,
              description: signal.description,
              dataType,
              minimumSamplingInterval: 0,
            });
      variables.set(`${assetId}\u0000${signal.name}`, { variable, dataType });
    }
  }
}
