// The gateway's API keys: only a SHA-256 hash of each token is kept; a key is scoped to one site (or `*`) and
// has one role (reader, operator, admin). Revoked keys stay for the audit trail.
import type { Migration } from './types';

export const apiKeys: Migration = {
  version: 6,
  name: 'api-keys',
  transactional: () => true,
  statements: ({ schema: s }) => [
    `CREATE TABLE IF NOT EXISTS ${s}.api_keys (
      id text PRIMARY KEY,
      token_hash text NOT NULL,
      site text NOT NULL,
      role text NOT NULL CHECK (role IN ('reader', 'operator', 'admin')),
      label text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz NULL,
      CONSTRAINT api_keys_token_hash_key UNIQUE (token_hash)
    )`,
  ],
};
