// What kiln start prints once it serves: where the dashboard and the APIs are and the admin key to call them with
// (the dashboard's link hands the key to the page, which takes it out of the address at once). Plain text on
// stdout, apart from the JSON log lines, because a person reads it; the log has the same addresses, not the key.
import type { AdminKey } from './admin-key';

export interface BannerInput {
  /** The REST base URL, e.g. http://127.0.0.1:8080. */
  readonly httpUrl: string;
  readonly grpcAddress: string;
  readonly adminKey: AdminKey;
}

export function startBanner({ httpUrl, grpcAddress, adminKey }: BannerInput): string {
  const key =
    adminKey.source === 'configuration'
      ? 'the value of KILN_ADMIN_API_KEY (gateway.auth.adminApiKey)'
      : adminKey.revoked
        ? `revoked (${adminKey.file}): delete the file and restart for a new one, or use kiln keys create`
        : `${adminKey.token}  (every site; kept in ${adminKey.file})`;
  const usable = adminKey.source === 'file' && !adminKey.revoked;
  const bearer = usable ? adminKey.token : '$KILN_ADMIN_API_KEY';
  const dashboard = usable
    ? `${httpUrl}/#key=${encodeURIComponent(adminKey.token)}`
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
