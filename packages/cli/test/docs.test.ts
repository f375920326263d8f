// A setting nobody can find is not done: docs/configuration.md lists every environment variable kiln reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformEnvMap } from '../src/config';

const page = readFileSync(join(__dirname, '../../../docs/configuration.md'), 'utf8');

describe('docs/configuration.md', () => {
  it.each(Object.entries(platformEnvMap))('documents KILN_%s as %s', (name, key) => {
    expect(page).toContain(`| \`${key}\` | \`KILN_${name}\` |`);
  });
});
