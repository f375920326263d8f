// The Kiln processes a container of the image can run (`kiln <command>`), each with the environment variables
// it reads and its own configuration loader, imported from the built workspaces: what the tests check
// docker-compose.yml against is what the processes validate at start.
import { erpSyncEnvMap, loadErpSyncConfig, type ErpSyncConfig } from '@kiln/erp-sync';
import { loadGatewayConfig, gatewayEnvMap } from '@kiln/gateway';
import { ingestionEnvMap, loadIngestionConfig } from '@kiln/ingestion';
import { loadMaintenanceConfig, maintenanceEnvMap } from '@kiln/maintenance';
import { loadNormalizationConfig, normalizationEnvMap } from '@kiln/normalization';
import { loadOeeConfig, oeeEnvMap } from '@kiln/oee-service';
import { loadSimulatorConfig, simulatorEnvMap } from '@kiln/simulator';
import { platformEnvMap } from '@kiln/cli/env-map';

export interface LoadedProcess {
  /** Ports the process listens on with this configuration. */
  ports: number[];
  /** Addresses it connects to (`opc.tcp://simulator:4840`, ...), besides those in its environment. */
  connectsTo: string[];
}

export interface KilnProcess {
  /** `start ingestion`, `simulate`, ... */
  command: string;
  /** Every environment variable the process reads. */
  variables: ReadonlySet<string>;
  /** The variable naming its YAML configuration file, and the command-line option that overrides it. */
  configVariable: string;
  /** Loads and validates the configuration as the process does at start; throws as it would. */
  load?(file: string | undefined, env: Record<string, string>): LoadedProcess;
}

function variables(prefix: string, envMap: Record<string, string>, configVariable: string): Set<string> {
  return new Set([configVariable, ...Object.keys(envMap).map((name) => `${prefix}${name}`)]);
}

const simulator: Omit<KilnProcess, 'command'> = {
  variables: variables('KILN_SIM_', simulatorEnvMap, 'KILN_SIM_CONFIG'),
  configVariable: 'KILN_SIM_CONFIG',
  load: (file, env) => {
    const config = loadSimulatorConfig({ ...(file === undefined ? {} : { file }), env });
    return {
      ports: [
        ...(config.opcua.enabled ? [config.opcua.port] : []),
        ...(config.modbus.enabled ? [config.modbus.port] : []),
        ...(config.erp.enabled ? [config.erp.port] : []),
      ],
      connectsTo: config.mqtt.enabled ? [config.mqtt.url] : [],
    };
  },
};

/** The ERP addresses erp-sync calls with its configured system (none for CSV files). */
function erpAddresses(section: ErpSyncConfig['erpSync']): string[] {
  switch (section.system) {
    case 'sap':
      return section.sap === undefined ? [] : [section.sap.baseUrl];
    case 'odoo':
      return section.odoo === undefined ? [] : [section.odoo.baseUrl];
    case 'rest': {
      const rest = section.rest;
      if (rest === undefined) return [];
      return [rest.ordersUrl, rest.shiftsUrl, rest.confirmationsUrl, rest.maintenanceUrl].filter(
        (url): url is string => url !== undefined,
      );
    }
    case 'csv':
      return [];
  }
}

export const KILN_PROCESSES: readonly KilnProcess[] = [
  {
    command: 'start ingestion',
    variables: variables('KILN_', ingestionEnvMap, 'KILN_CONFIG'),
    configVariable: 'KILN_CONFIG',
    load: (file, env) => {
      const config = loadIngestionConfig(file, env);
      const addresses = config.ingestion.connectors.flatMap((connector) =>
        'endpointUrl' in connector && typeof connector.endpointUrl === 'string'
          ? [connector.endpointUrl]
          : 'url' in connector && typeof connector.url === 'string'
            ? [connector.url]
            : [],
      );
      return { ports: [config.http.port], connectsTo: addresses };
    },
  },
  {
    command: 'start normalization',
    variables: variables('KILN_', normalizationEnvMap, 'KILN_CONFIG'),
    configVariable: 'KILN_CONFIG',
    load: (file, env) => ({ ports: [loadNormalizationConfig(file, env).http.port], connectsTo: [] }),
  },
  {
    command: 'start oee',
    variables: variables('KILN_', oeeEnvMap, 'KILN_CONFIG'),
    configVariable: 'KILN_CONFIG',
    load: (file, env) => ({ ports: [loadOeeConfig(file, env).http.port], connectsTo: [] }),
  },
  {
    command: 'start maintenance',
    variables: variables('KILN_', maintenanceEnvMap, 'KILN_CONFIG'),
    configVariable: 'KILN_CONFIG',
    load: (file, env) => ({ ports: [loadMaintenanceConfig(file, env).http.port], connectsTo: [] }),
  },
  {
    command: 'start erp-sync',
    variables: variables('KILN_', erpSyncEnvMap, 'KILN_CONFIG'),
    configVariable: 'KILN_CONFIG',
    load: (file, env) => {
      const config = loadErpSyncConfig(file, env);
      const { webhook } = config.erpSync;
      return {
        ports: [config.http.port, ...(webhook.enabled ? [webhook.port] : [])],
        connectsTo: erpAddresses(config.erpSync),
      };
    },
  },
  {
    command: 'start gateway',
    variables: variables('KILN_', gatewayEnvMap, 'KILN_CONFIG'),
    configVariable: 'KILN_CONFIG',
    load: (file, env) => {
      const config = loadGatewayConfig(file, env);
      return {
        ports: [config.http.port, config.gateway.http.port, config.gateway.grpc.port],
        connectsTo: [],
      };
    },
  },
  { command: 'start simulator', ...simulator },
  { command: 'simulate', ...simulator },
  // `kiln migrate` reads the database URL alone (--url overrides it).
  { command: 'migrate', variables: new Set(['KILN_DATABASE_URL']), configVariable: 'KILN_CONFIG' },
  // The whole platform in one process (and `kiln keys`, configured the same way).
  {
    command: 'start',
    variables: variables('KILN_', platformEnvMap, 'KILN_CONFIG'),
    configVariable: 'KILN_CONFIG',
  },
  {
    command: 'keys',
    variables: variables('KILN_', platformEnvMap, 'KILN_CONFIG'),
    configVariable: 'KILN_CONFIG',
  },
];

/** The process a `kiln` command line runs: the longest known command it starts with. */
export function kilnProcessOf(argv: readonly string[]): KilnProcess | undefined {
  const words = argv.filter((word) => !word.startsWith('-'));
  return [...KILN_PROCESSES]
    .sort((a, b) => b.command.length - a.command.length)
    .find((candidate) => {
      const command = candidate.command.split(' ');
      return command.every((word, index) => words[index] === word);
    });
}

/** The configuration file a command line names with --config / -c, if any. */
export function configOption(argv: readonly string[]): string | undefined {
  const at = argv.findIndex((arg) => arg === '--config' || arg === '-c');
  if (at >= 0) return argv[at + 1];
  return argv.find((arg) => arg.startsWith('--config='))?.slice('--config='.length);
}

/** Every variable any Kiln process reads (`KILN_*` and `KILN_SIM_*`). */
export const ALL_KILN_VARIABLES: ReadonlySet<string> = new Set(
  KILN_PROCESSES.flatMap((process) => [...process.variables]),
);
