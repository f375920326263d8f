// PKI folders shared by the test runs: node-opcua creates certificates the first time (slow), then reuses them.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function pkiFolder(name: string): string {
  const dir = join(tmpdir(), 'kiln-simulator-test-pki', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
