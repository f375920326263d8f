// A setting nobody can find is not done: docs/configuration.md lists every environment variable kiln reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTableRows } from '@kiln/test-infra';
import { platformEnvMap } from '../src/env-map';

const page = readFileSync(join(__dirname, '../../../docs/configuration.md'), 'utf8');
const rows = markdownTableRows(page);

describe('docs/configuration.md', () => {
  it.each(Object.entries(platformEnvMap))('documents KILN_%s as %s', (name, key) => {
    expect(rows).toContainEqual(expect.arrayContaining([`\`${key}\``, `\`KILN_${name}\``]));
    const row = rows.find((cells) => cells[0] === `\`${key}\``);
    expect(row?.[1]).toBe(`\`KILN_${name}\``);
  });
});
