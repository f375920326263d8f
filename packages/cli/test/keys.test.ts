// `kiln keys` against a PostgreSQL schema of its own: create prints the token once, list shows the key without
// it, revoke marks it; bad arguments exit 1 naming the option, with the usage.
import { execFileSync } from 'node:child_process';
import { analyticsSchemaName } from '@kiln/timeseries';
import { describeWith, serviceEndpoints, uniqueName } from '@kiln/test-infra';
import { exitWithin, KILN_MAIN, run, type RunningProcess } from './support';

describeWith(['postgres'], 'kiln keys', () => {
  const schema = uniqueName('kiln_keys').replace(/-/g, '_');
  const url = serviceEndpoints().postgresUrl;
  const env = { KILN_DATABASE_URL: url, KILN_DATABASE_SCHEMA: schema };

  afterAll(() => {
    for (const name of [schema, analyticsSchemaName(schema)]) {
      execFileSync('psql', [url, '-q', '-c', `drop schema if exists ${name} cascade`], { stdio: 'ignore' });
    }
  });

  async function kiln(...args: string[]): Promise<RunningProcess & { code: number | null }> {
    const running = run(KILN_MAIN, ['keys', ...args], env);
    return { ...running, code: (await exitWithin(running, 60_000)).code };
  }

  it('creates a key (migrating the fresh schema first), lists it, and revokes it', async () => {
    const created = await kiln(
      'create',
      '--site',
      'acme/plant-1',
      '--role',
      'operator',
      '--label',
      'MES line 1',
    );
    expect(created.code).toBe(0);
    const id = /created API key (\S+) \(site acme\/plant-1, role operator\)/.exec(created.stdout())?.[1];
    expect(id).toBeDefined();
    expect(created.stdout()).toMatch(
      new RegExp(`token \\(shown once, keep it safe\\): kiln_${id ?? ''}_\\S{20,}`),
    );

    const listed = await kiln('list');
    expect(listed.code).toBe(0);
    const lines = listed.stdout().trim().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual(['id', 'site', 'role', 'label', 'created', 'revoked']);
    const row = lines.find((line) => line.startsWith(`${id ?? '?'} `));
    expect(row).toMatch(/acme\/plant-1\s+operator\s+MES line 1\s+\S.*\s+no$/);
    expect(listed.stdout()).not.toContain('kiln_');

    const revoked = await kiln('revoke', id ?? '');
    expect(revoked.code).toBe(0);
    expect(revoked.stdout()).toContain(`revoked API key ${id ?? ''}`);
    expect((await kiln('list')).stdout()).toMatch(new RegExp(`${id ?? ''} .*yes\\n?$`, 'm'));

    const again = await kiln('revoke', id ?? '');
    expect(again.code).toBe(1);
    expect(again.stderr()).toContain(`no active API key with id ${id ?? ''}`);
  }, 180_000);

  it('refuses a role it does not know, naming the option and showing the usage', async () => {
    const bad = await kiln('create', '--site', '*', '--role', 'boss');
    expect(bad.code).toBe(1);
    expect(bad.stderr()).toContain('error: --role: "boss" is not one of reader, operator, admin');
    expect(bad.stderr()).toContain('Usage: kiln keys create');
  });

  it('refuses a site that is no site id, naming the option', async () => {
    const bad = await kiln('create', '--site', 'acme', '--role', 'reader');
    expect(bad.code).toBe(1);
    expect(bad.stderr()).toContain('error: --site: "acme" is not a site id such as acme/plant-1');
  });

  it('says which option is missing', async () => {
    const bad = await kiln('create', '--site', '*');
    expect(bad.code).toBe(1);
    expect(bad.stderr()).toContain("required option '--role <role>' not specified");
  });
});
