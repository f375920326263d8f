// `kiln keys`: the gateway's API keys in the configured database (the one kiln start uses: the embedded PGlite
// under the data directory, or database.url), migrated first where needed.
import type { ApiKeyInfo, ApiKeyStore } from '@kiln/gateway';
import type { PlatformConfig } from './config';

/** Opens the database of the configuration, hands its key store to `use`, and closes it again. */
export async function withKeyStore<T>(
  config: PlatformConfig,
  use: (keys: ApiKeyStore) => Promise<T>,
): Promise<T> {
  const { ApiKeyStore } = await import('@kiln/gateway');
  const { openDatabase } = await import('@kiln/timeseries');
  const { db } = await openDatabase(config.database, 'keys');
  try {
    return await use(new ApiKeyStore(db, config.database.schema, { cacheMs: 0 }));
  } finally {
    await db.close();
  }
}

const COLUMNS = ['id', 'site', 'role', 'label', 'created', 'revoked'] as const;

/** The keys as a table with a header, columns padded to their widest cell. */
export function keyTable(keys: readonly ApiKeyInfo[]): string {
  const rows = keys.map((key) => [
    key.id,
    key.site,
    key.role,
    key.label,
    key.createdAt,
    key.revoked ? 'yes' : 'no',
  ]);
  const table = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, column) => Math.max(...table.map((row) => row[column]?.length ?? 0)));
  return table
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
