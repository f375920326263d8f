// docker-compose.yml as the tests see it: its services with the environment Compose would hand them, their
// mounts and ports, and which Kiln process each runs (the command of the image's `kiln` entry point).
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | { target?: number | string; published?: number | string; host_ip?: string })[];
  expose?: (string | number)[];
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  restart?: string;
  hostname?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function readYaml(file: string): unknown {
  // `merge`: the `<<: *anchor` keys Compose understands.
  return parse(readFileSync(file, 'utf8'), { merge: true });
}

export function loadCompose(): ComposeFile {
  const compose = readYaml(COMPOSE_FILE) as ComposeFile;
  if (typeof compose.services !== 'object' || compose.services === null) {
    throw new Error(`${COMPOSE_FILE} has no services`);
  }
  return compose;
}

/** Compose's interpolation of `${NAME}`, `${NAME:-default}` and `$$`, with no variable set in the shell. */
export function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?]([^}]*))?\}/g, (match, _name, fallback) =>
    match === '$$' ? '$' : typeof fallback === 'string' ? fallback : '',
  );
}

export function environmentOf(service: ComposeService): Record<string, string> {
  const entries: [string, string][] = Array.isArray(service.environment)
    ? service.environment.map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(service.environment ?? {}).map(([name, value]) => [
        name,
        value === null ? '' : String(value),
      ]);
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolate(value)]));
}

export function commandOf(service: ComposeService): string[] {
  if (service.command === undefined) return [];
  return Array.isArray(service.command) ? service.command : service.command.split(/\s+/).filter(Boolean);
}

export interface BindMount {
  /** The path on the host, absolute. */
  hostPath: string;
  containerPath: string;
}

export interface Mounts {
  binds: BindMount[];
  /** Named volumes used. */
  volumes: string[];
}

export function mountsOf(service: ComposeService): Mounts {
  const binds: BindMount[] = [];
  const volumes: string[] = [];
  for (const volume of service.volumes ?? []) {
    const [source, target] =
      typeof volume === 'string' ? volume.split(':') : [volume.source ?? '', volume.target ?? ''];
    if (source === undefined || target === undefined || source === '') continue;
    if (source.startsWith('.') || isAbsolute(source)) {
      binds.push({ hostPath: resolve(REPO_ROOT, source), containerPath: target });
    } else {
      volumes.push(source);
    }
  }
  return { binds, volumes };
}

/** The host file a container path falls in, through the service's bind mounts (the longest match wins). */
export function hostPathOf(service: ComposeService, containerPath: string): string | undefined {
  const mount = mountsOf(service)
    .binds.filter(
      (bind) => containerPath === bind.containerPath || containerPath.startsWith(`${bind.containerPath}/`),
    )
    .sort((a, b) => b.containerPath.length - a.containerPath.length)[0];
  return mount === undefined
    ? undefined
    : join(mount.hostPath, containerPath.slice(mount.containerPath.length));
}

export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

export function publishedPortsOf(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return {
        hostIp: port.host_ip ?? '0.0.0.0',
        hostPort: Number(port.published ?? port.target),
        containerPort: Number(port.target),
      };
    }
    const parts = String(port).split('/')[0]?.split(':') ?? [];
    const containerPort = Number(parts[parts.length - 1]);
    const hostPort = parts.length >= 2 ? Number(parts[parts.length - 2]) : containerPort;
    const hostIp = parts.length === 3 ? (parts[0] ?? '') : '0.0.0.0';
    return { hostIp, hostPort, containerPort };
  });
}

export function dependenciesOf(service: ComposeService): Record<string, string> {
  const dependsOn = service.depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  return Object.fromEntries(
    Object.entries(dependsOn).map(([name, spec]) => [name, spec.condition ?? 'service_started']),
  );
}

/** The Dockerfile a service builds, or undefined for an image pulled as it is. */
export function dockerfileOf(service: ComposeService): string | undefined {
  if (service.build === undefined) return undefined;
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  return resolve(REPO_ROOT, build.context ?? '.', build.dockerfile ?? 'Dockerfile');
}

/** Services built from the repository's Dockerfile: each runs a `kiln` command. */
export function kilnServices(compose: ComposeFile): [string, ComposeService][] {
  const dockerfile = join(REPO_ROOT, 'Dockerfile');
  return Object.entries(compose.services).filter(([, service]) => dockerfileOf(service) === dockerfile);
}

/** `host:port` of a URL or address, if it has both. */
export function hostAndPort(address: string): { host: string; port: number } | undefined {
  const match = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/]*@)?([A-Za-z0-9._-]+):(\d+)/.exec(address);
  return match?.[1] === undefined ? undefined : { host: match[1], port: Number(match[2]) };
}

export function existsInRepo(path: string): boolean {
  return existsSync(path) && resolve(path).startsWith(REPO_ROOT);
}
