export type StorageBackend = 'timescaledb' | 'postgres';

export interface MigrationContext {
  /** Quoted, validated schema name, ready to splice into SQL. */
  schema: string;
  backend: StorageBackend;
}

/**
 * A versioned migration: the statements it runs for a schema and backend. Statements are idempotent
 * (`IF NOT EXISTS`, `if_not_exists => TRUE`) so a migration interrupted half-way can run again.
 */
export interface Migration {
  version: number;
  name: string;
  /**
   * Whether the statements run in one transaction with the version record (the default for every
   * migration). false: they run one by one outside a transaction block (TimescaleDB refuses some DDL inside
   * one) and the version is recorded afterwards; idempotent statements make a retry safe.
   */
  transactional: (backend: StorageBackend) => boolean;
  statements(context: MigrationContext): string[];
}
