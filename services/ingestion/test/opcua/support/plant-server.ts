// A real node-opcua server with a small plant: Objects/Plant/Line1/Machine1 with one variable of each type the
// connector converts. The test sets values (with explicit source timestamps and status codes) from the server
// side, exactly as a PLC gateway would.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCode,
  StatusCodes,
  Variant,
  VariantArrayType,
  type UAVariable,
  type VariantLike,
} from 'node-opcua';

/** Reused across tests and runs: creating a server certificate costs seconds on a busy machine. */
export const TEST_PKI_ROOT = join(tmpdir(), 'kiln-opcua-test-pki');

export const TEST_USER = { username: 'operator', password: 'kiln-secret' } as const;

export const PLANT_NAMESPACE_URI = 'urn:kiln:test:plant';

/**
 * The variables of each machine: browse name -> data type. No arrays: under jest, node-opcua's encoder asserts
 * `typedArray.buffer instanceof ArrayBuffer`, which fails across jest's realms (plain Node is fine), so array
 * conversion is covered by the data-value tests instead.
 */
export const MACHINE_VARIABLES = {
  temperature: DataType.Double,
  partCount: DataType.UInt32,
  running: DataType.Boolean,
  program: DataType.String,
  energyWh: DataType.Int64,
  vibration: DataType.Double,
  status: DataType.String,
} as const;
export type MachineVariable = keyof typeof MACHINE_VARIABLES;

export interface PlantServer {
  readonly server: OPCUAServer;
  readonly port: number;
  readonly endpointUrl: string;
  /** The server's application instance certificate (PEM). */
  readonly certificateFile: string;
  /** The NodeId string of a Machine1 variable, e.g. `ns=1;s=Plant.Line1.Machine1.temperature`. */
  nodeIdOf(variable: MachineVariable, machine?: string): string;
  /** Sets a value as its source reports it (setValueFromSource), with an explicit source timestamp. */
  set(
    variable: MachineVariable,
    value: VariantLike,
    sourceTimestamp: Date,
    status?: StatusCode,
    machine?: string,
  ): void;
  stop(): Promise<void>;
}

export interface StartPlantServerOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  /** Registers another namespace first, so the plant's namespace index (and every plant NodeId) moves up by one. */
  readonly shiftNamespace?: boolean;
}

export async function startPlantServer(options: StartPlantServerOptions = {}): Promise<PlantServer> {
  const serverPki = join(TEST_PKI_ROOT, 'server');
  mkdirSync(serverPki, { recursive: true });
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: serverPki,
    // The server side of the test trusts any client: the client's trust decisions are what is under test.
    automaticallyAcceptUnknownCertificate: true,
  });
  await serverCertificateManager.initialize();
  const server = new OPCUAServer({
    port: options.port ?? 0,
    serverCertificateManager,
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    allowAnonymous: true,
    userManager: {
      isValidUser: (username: string, password: string) =>
        username === TEST_USER.username && password === TEST_USER.password,
    },
    // 0: every change of an exception-based variable is reported, none is coalesced by the server.
    serverCapabilities: { minSupportedSampleRate: 0 },
    serverInfo: { applicationUri: 'urn:kiln:test:plant-server' },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (addressSpace === null) throw new Error('the test server has no address space after initialize()');
  if (options.shiftNamespace === true) addressSpace.registerNamespace('urn:kiln:test:other');
  const namespace = addressSpace.registerNamespace(PLANT_NAMESPACE_URI);
  const plant = namespace.addFolder(addressSpace.rootFolder.objects, {
    browseName: 'Plant',
    nodeId: 's=Plant',
  });
  const line = namespace.addFolder(plant, { browseName: 'Line1', nodeId: 's=Plant.Line1' });
  const variables = new Map<string, UAVariable>();
  for (const machineName of ['Machine1', 'Machine2']) {
    const machinePath = `Plant.Line1.${machineName}`;
    const machine = namespace.addObject({
      organizedBy: line,
      browseName: machineName,
      nodeId: `s=${machinePath}`,
    });
    for (const [name, dataType] of Object.entries(MACHINE_VARIABLES)) {
      const variable = namespace.addVariable({
        componentOf: machine,
        browseName: name,
        nodeId: `s=${machinePath}.${name}`,
        dataType,
        valueRank: -1,
        minimumSamplingInterval: 0,
        value: new Variant({ dataType, arrayType: VariantArrayType.Scalar, value: initialValue(name) }),
      });
      variables.set(`${machineName}.${name}`, variable);
    }
  }
  await server.start();
  const port = server.endpoints[0]?.port;
  if (port === undefined) throw new Error('the test server has no endpoint after start()');
  const namespaceIndex = namespace.index;
  return {
    server,
    port,
    endpointUrl: `opc.tcp://localhost:${port}`,
    certificateFile: server.certificateFile,
    nodeIdOf: (variable, machine = 'Machine1') => `ns=${namespaceIndex};s=Plant.Line1.${machine}.${variable}`,
    set: (variable, value, sourceTimestamp, status = StatusCodes.Good, machine = 'Machine1') => {
      const node = variables.get(`${machine}.${variable}`);
      if (node === undefined) throw new Error(`no variable ${machine}.${variable} in the test server`);
      node.setValueFromSource(value, status, sourceTimestamp);
    },
    stop: async () => {
      await server.shutdown(0);
      await serverCertificateManager.dispose();
    },
  };
}

function initialValue(name: string): unknown {
  switch (name) {
    case 'running':
      return false;
    case 'program':
    case 'status':
      return 'idle';
    case 'energyWh':
      return [0, 0];
    default:
      return 0;
  }
}
