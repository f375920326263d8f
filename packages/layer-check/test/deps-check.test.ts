// `npm run deps:check` on two small repositories: one breaking each rule, one using every allowed kind of import.
// Runs the built command (npm test builds first), as npm run deps:check does.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const main = join(__dirname, '..', 'dist', 'main.js');

function depsCheck(fixture: string): { status: number | null; lines: string[] } {
  const root = join(__dirname, '__fixtures__', fixture);
  const run = spawnSync(process.execPath, [main, '--root', root], { encoding: 'utf8', timeout: 60_000 });
  if (run.error !== undefined) throw run.error;
  return { status: run.status, lines: run.stdout.split('\n') };
}

describe('npm run deps:check', () => {
  it('fails on a repository that breaks the layers, naming the file, the package and the rule of each', () => {
    const { status, lines } = depsCheck('tangled');
    const errors = lines.filter((line) => line.startsWith('error '));
    expect(errors.map((line) => line.slice(0, line.lastIndexOf(': ')))).toEqual(
      expect.arrayContaining([
        'error upward-import: packages/pricing/src/index.ts imports @fixture/billing (core -> service)',
        'error service-imports-service: services/billing/src/index.ts imports @fixture/shipping (service -> service)',
        'error tool-at-run-time: services/shipping/src/index.ts imports @fixture/factory-sim (service -> tool)',
        'error upward-import: packages/pricing/package.json "dependencies" names @fixture/billing (core -> service)',
        'error service-imports-service: services/shipping/package.json "dependencies" names @fixture/billing (service -> service)',
        'error tool-at-run-time: services/shipping/package.json "dependencies" names @fixture/factory-sim (service -> tool)',
        'error no-module-cycle: services/billing/src/invoice.ts -> services/billing/src/ledger.ts -> services/billing/src/invoice.ts',
        'error no-package-cycle: @fixture/billing -> @fixture/shipping -> @fixture/billing',
        'error missing-role: packages/unlabelled/package.json has no "kiln": { "role" }',
      ]),
    );
    expect(errors).toHaveLength(10);
    expect(status).toBe(1);
  });

  it('passes on a repository whose imports all go down, printing its package graph', () => {
    const { status, lines } = depsCheck('layered');
    expect(lines.filter((line) => line.startsWith('error '))).toEqual([]);
    expect(lines).toEqual(
      expect.arrayContaining([
        '  service  @fixture/billing      services/billing',
        '           uses @fixture/contracts, @fixture/pricing',
        '           tests use @fixture/factory-sim, @fixture/shipping',
      ]),
    );
    expect(status).toBe(0);
  });
});
