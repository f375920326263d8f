// The admin API key of kiln start. A configured one (KILN_ADMIN_API_KEY) is seeded by the gateway itself; without
// one, kiln start creates an admin key for every site once, keeps its token in <dataDir>/admin-api-key (readable
// by the owner only) and seeds it again from there on every start, so a fresh database knows it too.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALL_SITES, MIN_SEEDED_KEY_LENGTH, type ApiKeyStore } from '@kiln/gateway';
import type { Logger } from '@kiln/service-kit';

export type AdminKey =
  | { readonly source: 'configuration' }
  | {
      readonly source: 'file';
      readonly file: string;
      readonly token: string;
      readonly keyId: string;
      /** Created at this start (else read from the file). */
      readonly created: boolean;
      /** Revoked with `kiln keys revoke`: it no longer works; deleting the file makes a new one. */
      readonly revoked: boolean;
    };

/** The file in the data directory holding the admin API key kiln start created. */
export const ADMIN_API_KEY_FILE = 'admin-api-key';

const LABEL = 'kiln start';

export async function ensureAdminKey(
  keys: ApiKeyStore,
  configured: string | undefined,
  dataDir: string,
  logger: Logger,
): Promise<AdminKey> {
  if (configured !== undefined) return { source: 'configuration' };
  const file = join(dataDir, ADMIN_API_KEY_FILE);
  const stored = await readToken(file);
  if (stored === undefined) {
    const created = await keys.create(ALL_SITES, 'admin', LABEL);
    await mkdir(dataDir, { recursive: true });
    // wx: never overwrite a key another start wrote in the meantime; 0600: the token is a credential.
    await writeFile(file, `${created.token}\n`, { mode: 0o600, flag: 'wx' });
    logger.info({ keyId: created.id, file }, 'admin API key created');
    return { source: 'file', file, token: created.token, keyId: created.id, created: true, revoked: false };
  }
  if (stored.length < MIN_SEEDED_KEY_LENGTH) {
    throw new Error(
      `${file} holds no API key (fewer than ${MIN_SEEDED_KEY_LENGTH} characters); delete it to have a new one created`,
    );
  }
  const keyId = await keys.seed(stored, ALL_SITES, 'admin', LABEL);
  const revoked = (await keys.verify(stored)) === undefined;
  if (revoked) {
    logger.warn(
      { keyId, file },
      `the admin API key in ${file} is revoked; delete the file to have a new one created`,
    );
  }
  return { source: 'file', file, token: stored, keyId, created: false, revoked };
}

async function readToken(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}
