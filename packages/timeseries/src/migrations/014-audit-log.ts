// Who changed what and when: one row per change made through the API or the CLI (keys created and revoked, assets
// and their OEE settings, stop reasons, alert acknowledgements and resolutions). Appended, never updated; `site`
// is the site the change concerns (`*` for an every-site key), what an admin of one site may read.
import type { Migration } from './types';

export const auditLog: Migration = {
  version: 14,
  name: 'audit-log',
  transactional: () => true,
  statements: ({ schema: s }) => [
    `CREATE TABLE IF NOT EXISTS ${s}.audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      time timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      actor_via text NOT NULL,
      action text NOT NULL,
      target text NOT NULL,
      site text NOT NULL,
      detail jsonb NOT NULL DEFAULT '{}'::jsonb
    )`,
    `CREATE INDEX IF NOT EXISTS audit_log_site ON ${s}.audit_log (site, id DESC)`,
  ],
};
