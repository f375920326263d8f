// `kiln migrate` against the real PostgreSQL: applies the migrations once, then finds the schema up to date.
import { execFileSync } from 'node:child_process';
import { describeWith, serviceEndpoints, uniqueName } from '@kiln/test-infra';
import { exitWithin, KILN_MAIN, run } from './support';

describeWith(['postgres'], 'kiln migrate', () => {
  const schema = uniqueName('kiln_migrate').replace(/-/g, '_');
  const url = serviceEndpoints().postgresUrl;

  afterAll(() => {
    execFileSync('psql', [url, '-q', '-c', `drop schema if exists ${schema} cascade`], { stdio: 'ignore' });
  });

  it('migrates a schema, and a second run changes nothing', async () => {
    const first = run(KILN_MAIN, ['migrate', '--schema', schema], { KILN_DATABASE_URL: url });
    expect((await exitWithin(first, 60_000)).code).toBe(0);
    expect(first.stdout()).toMatch(new RegExp(`schema ${schema} \\(postgres\\): applied migrations 1, 2, 3`));
    const second = run(KILN_MAIN, ['migrate', '--schema', schema, '--url', url], {});
    expect((await exitWithin(second, 60_000)).code).toBe(0);
    expect(second.stdout()).toContain(`schema ${schema} (postgres) is up to date`);
  });

  it('says what it needs when no database is given', async () => {
    const bare = run(KILN_MAIN, ['migrate'], {});
    expect((await exitWithin(bare, 30_000)).code).toBe(1);
    expect(bare.stderr()).toContain('kiln migrate needs --url (or KILN_DATABASE_URL) or --embedded <dir>');
  });
});
