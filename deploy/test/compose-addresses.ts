// What the services of docker-compose.yml listen on and whether an address given to one of them reaches
// another: a Kiln service's ports come from its configuration, loaded as its process loads it; any other
// service's from what it exposes or publishes.
import {
  commandOf,
  environmentOf,
  hostAndPort,
  hostPathOf,
  kilnServices,
  publishedPortsOf,
  type ComposeFile,
  type ComposeService,
} from './compose-model';
import { configOption, kilnProcessOf, type LoadedProcess } from './kiln-processes';

/** The configuration a Kiln service starts with, loaded as its process loads it (throws as the process would). */
export function loadKilnService(name: string, service: ComposeService): LoadedProcess | undefined {
  const argv = commandOf(service);
  const process = kilnProcessOf(argv);
  if (process?.load === undefined) return undefined;
  const env = environmentOf(service);
  const containerFile = configOption(argv) ?? env[process.configVariable];
  if (containerFile === undefined || containerFile === '') return process.load(undefined, env);
  const file = hostPathOf(service, containerFile);
  if (file === undefined)
    throw new Error(`${name}: its configuration ${containerFile} is not in a bind mount`);
  return process.load(file, env);
}

export interface ComposeNetwork {
  /** The loaded configuration of each Kiln service that has a loader. */
  loaded: ReadonlyMap<string, LoadedProcess | undefined>;
  listeningPorts(service: string): Set<number>;
  /** Each problem with `address` as given to `from`: not a service, or a port it does not listen on. */
  addressProblems(from: string, address: string): string[];
}

export function composeNetwork(compose: ComposeFile): ComposeNetwork {
  const loaded = new Map(
    kilnServices(compose).map(([name, service]) => [name, loadKilnService(name, service)] as const),
  );
  const listeningPorts = (name: string): Set<number> => {
    const service = compose.services[name];
    if (service === undefined) return new Set();
    return new Set([
      ...(loaded.get(name)?.ports ?? []),
      ...(service.expose ?? []).map(Number),
      ...publishedPortsOf(service).map((port) => port.containerPort),
    ]);
  };
  const addressProblems = (from: string, address: string): string[] => {
    const target = hostAndPort(address);
    if (target === undefined) return [`${from}: ${address} names no host:port`];
    if (compose.services[target.host] === undefined)
      return [`${from}: ${address}: no service ${target.host}`];
    const ports = listeningPorts(target.host);
    return ports.has(target.port)
      ? []
      : [`${from}: ${address}: ${target.host} listens on ${[...ports].join(', ') || 'no port'}`];
  };
  return { loaded, listeningPorts, addressProblems };
}
