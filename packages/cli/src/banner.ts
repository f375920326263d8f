// What kiln start prints once it serves: where the dashboard and the APIs are and the admin key to call them with,
// the key itself only at the start that created it (the dashboard's link hands it to the page, which takes it out
// of the address at once); later starts say where it is kept. Plain text on
// stdout, apart from the JSON log lines, because a person reads it; the log has the same addresses, not the key.
import type { AdminKey } from './admin-key';

export interface BannerInput {
  /** The REST base URL, e.g. http://127.0.0.1:8080. */
  readonly httpUrl: string;
  readonly grpcAddress: string;
  readonly adminKey: AdminKey;
}

export function startBanner({ httpUrl, grpcAddress, adminKey }: BannerInput): string {
  // The token is printed once, at the start that created it: every later start's output (a terminal's
  // scrollback, journald, a container's log) would hold the credential of every site again.
  const fresh = adminKey.source === 'file' && !adminKey.revoked && adminKey.created;
  const key =
    adminKey.source === 'configuration'
      ? 'the value of KILN_ADMIN_API_KEY (gateway.auth.adminApiKey)'
      : adminKey.revoked
        ? `revoked (${adminKey.file}): delete the file and restart for a new one, or use kiln keys create`
        : adminKey.created
          ? `${adminKey.token}  (every site; kept in ${adminKey.file}, printed this once)`
          : `in ${adminKey.file}  (every site; printed only when it was created)`;
  const bearer = fresh
    ? adminKey.token
    : adminKey.source === 'file' && !adminKey.revoked
      ? `$(cat ${adminKey.file})`
      : '$KILN_ADMIN_API_KEY';
  const dashboard = fresh
    ? `${httpUrl}/#key=${encodeURIComponent(adminKey.token)}`
    : adminKey.source === 'file' && !adminKey.revoked
      ? `${httpUrl}/  (asks for a key: the one in ${adminKey.file})`
      : `${httpUrl}/  (asks for a key)`;
  return [
    '',
    '  Kiln is running',
    `    Dashboard  ${dashboard}`,
    `    REST API   ${httpUrl}/api/v1`,
    `    API docs   ${httpUrl}/docs  (OpenAPI: ${httpUrl}/openapi.json)`,
    `    gRPC       ${grpcAddress}  (kiln.v1, health, reflection)`,
    `    Ops        ${httpUrl}/healthz  /readyz  /metrics (needs a key)`,
    `    Admin key  ${key}`,
    `    Try        curl -H "Authorization: Bearer ${bearer}" ${httpUrl}/api/v1/assets`,
    '',
  ].join('\n');
}
