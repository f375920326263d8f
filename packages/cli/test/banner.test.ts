// The start banner prints the admin key once, at the start that created it (issue 18: it was printed on every
// start, into every terminal's scrollback, journald and container log); later starts say where it is kept.
import { startBanner } from '../src/banner';

const TOKEN = 'kiln_0123456789ab_secretsecretsecretsecretsecretsecret';
const file = '/var/lib/kiln/admin-api-key';
const banner = (created: boolean, revoked = false) =>
  startBanner({
    httpUrl: 'http://127.0.0.1:8080',
    grpcAddress: '127.0.0.1:50051',
    adminKey: { source: 'file', file, token: TOKEN, keyId: '0123456789ab', created, revoked },
  });

describe('startBanner', () => {
  it('prints the key and a dashboard link holding it at the start that created it', () => {
    const text = banner(true);
    expect(text).toContain(`Admin key  ${TOKEN}  (every site; kept in ${file}, printed this once)`);
    expect(text).toContain(`Dashboard  http://127.0.0.1:8080/#key=${TOKEN}`);
  });

  it('says where the key is kept at later starts, and nowhere prints it', () => {
    const text = banner(false);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('secret');
    expect(text).toContain(`Admin key  in ${file}  (every site; printed only when it was created)`);
    expect(text).toContain(`Dashboard  http://127.0.0.1:8080/  (asks for a key: the one in ${file})`);
    expect(text).toContain(
      `curl -H "Authorization: Bearer $(cat ${file})" http://127.0.0.1:8080/api/v1/assets`,
    );
  });

  it('prints neither a revoked key nor a configured one', () => {
    expect(banner(false, true)).not.toContain(TOKEN);
    const configured = startBanner({
      httpUrl: 'http://127.0.0.1:8080',
      grpcAddress: '127.0.0.1:50051',
      adminKey: { source: 'configuration' },
    });
    expect(configured).toContain('Admin key  the value of KILN_ADMIN_API_KEY');
  });
});
