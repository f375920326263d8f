// The storage a service declares it uses (docs/architecture.md section 12): opened once per process and shared
// by every service in it. Shaped as @kiln/service-runtime's ResourceDefinition, which they satisfy structurally,
// so that this package needs nothing from the runtime.
import type { Database } from './database';
import { openDatabase, type DatabaseConfig } from './open-database';

/** The database (PostgreSQL / TimescaleDB, or the embedded PGlite), migrated unless configured otherwise. */
export const databaseResource = {
  id: 'database',
  async open(config: { readonly database: DatabaseConfig }, context: { readonly service: string }) {
    const opened = await openDatabase(config.database, context.service);
    return { value: opened.db as Database, ping: opened.ping, close: () => opened.db.close() };
  },
};
