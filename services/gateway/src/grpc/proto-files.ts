// The repository's .proto files, for server reflection: found by walking up from this module (src/grpc under
// ts-node/jest, dist/grpc when built), so both layouts and an image that keeps the proto/ folder beside the
// service work without configuration.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';

const MARKER = join('kiln', 'v1', 'oee_service.proto');

/** The proto/ folder holding kiln/v1 and kiln/events/v1; throws naming where it looked. */
export function findProtoRoot(from: string = __dirname): string {
  const tried: string[] = [];
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    tried.push(candidate);
    if (existsSync(join(candidate, MARKER))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`the proto/ folder of Kiln (with ${MARKER}) was not found; looked in ${tried.join(', ')}`);
}

/** Every kiln/v1 and kiln/events/v1 file, relative to the root. */
export function kilnProtoFiles(root: string): string[] {
  const files: string[] = [];
  for (const folder of [join('kiln', 'v1'), join('kiln', 'events', 'v1')]) {
    for (const name of readdirSync(join(root, folder)).sort()) {
      if (name.endsWith('.proto')) files.push(join(folder, name));
    }
  }
  return files;
}

/** The package definition of the query API and the events, as reflection describes them. */
export function loadKilnPackageDefinition(root: string = findProtoRoot()): PackageDefinition {
  return loadSync(kilnProtoFiles(root), {
    includeDirs: [root],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: true,
  });
}
