// What every service's main.ts needs before its configuration: which file to read, and its own version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The configuration file: `--config <file>` / `-c <file>` / `--config=<file>`, else `KILN_CONFIG`, else none. */
export function configFileFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const at = argv.findIndex((arg) => arg === '--config' || arg === '-c');
  const fromArgs =
    at >= 0 ? argv[at + 1] : argv.find((arg) => arg.startsWith('--config='))?.slice('--config='.length);
  const fromEnv = env['KILN_CONFIG'];
  return fromArgs ?? (fromEnv === '' ? undefined : fromEnv);
}

/** The `version` of the package.json in `packageDir` (a service passes `join(__dirname, '..')`). */
export function packageVersion(packageDir: string): string {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}
