// What the soak hands `kiln start`: the embedded defaults, the smallest simulated factory (one line, one machine,
// read over OPC UA as npm start does), the HTTP push connector, and the embedded plant with one more asset whose
// signals the load writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export const SOAK_SOURCE = 'soak';
export const SOAK_ASSET = 'acme/plant-1/soak/line/load';
export const SOAK_SIGNALS = Array.from({ length: 10 }, (_, i) => `s${i}`);
const EMBEDDED_PLANT = require.resolve('@kiln/cli/embedded/plant.yaml');

export interface SoakPorts {
  readonly rest: number;
  readonly grpc: number;
  readonly httpPush: number;
  readonly opcua: number;
}

interface PlantFile {
  sites: Array<{ areas: unknown[] }>;
  mappings: unknown[];
}

/** Writes the plant and kiln.yaml under dir; returns the path of kiln.yaml. */
export function writeSoakConfiguration(dir: string, dataDir: string, ports: SoakPorts): string {
  const plant = parse(readFileSync(EMBEDDED_PLANT, 'utf8')) as PlantFile;
  const site = plant.sites[0];
  if (!site) throw new Error(`${EMBEDDED_PLANT} has no site to add the soak asset to`);
  site.areas.push({
    id: 'soak',
    lines: [{ id: 'line', assets: [{ id: 'load', signals: SOAK_SIGNALS.map((name) => ({ name })) }] }],
  });
  plant.mappings.unshift({
    name: 'soak',
    source: `http/${SOAK_SOURCE}`,
    tag: 'soak/{signal}',
    asset: SOAK_ASSET,
    signal: '{signal}',
  });
  const plantFile = join(dir, 'plant.yaml');
  writeFileSync(plantFile, stringify(plant, { aliasDuplicateObjects: false }));
  const configFile = join(dir, 'kiln.yaml');
  writeFileSync(
    configFile,
    stringify({
      http: { host: '127.0.0.1', port: ports.rest },
      dataDir,
      log: { level: 'info' },
      simulator: { plant: { lines: 1, machinesPerLine: 1 }, opcua: { port: ports.opcua } },
      ingestion: {
        connectors: [
          {
            // The connector npm start adds by itself when none is configured (packages/cli/src/platform.ts).
            kind: 'opcua',
            id: 'simulator',
            endpointUrl: `opc.tcp://127.0.0.1:${ports.opcua}`,
            securityMode: 'None',
            auth: { type: 'anonymous' },
            pki: { folder: join(dataDir, 'ingestion', 'pki') },
            nodes: [{ browse: { root: '/Objects/1:Plant', maxDepth: 5 } }],
          },
          { kind: 'http', id: 'push', host: '127.0.0.1', port: ports.httpPush },
        ],
      },
      normalization: { plantFile },
      gateway: { grpc: { host: '127.0.0.1', port: ports.grpc } },
    }),
  );
  return configFile;
}
