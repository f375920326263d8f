// A setting nobody can find is not done: docs/configuration.md lists every environment variable kiln start and
// the gateway process read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayEnvMap } from '@kiln/gateway';
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

  describe('the gateway process section', () => {
    const start = page.indexOf('## The gateway process');
    const section = page.slice(start, page.indexOf('\n## ', start + 1));
    const gatewayRows = markdownTableRows(section);

    it.each(Object.entries(gatewayEnvMap))('documents KILN_%s as %s', (name, key) => {
      const row = gatewayRows.find((cells) => cells[0] === `\`${key}\``);
      expect(row?.[1]).toBe(`\`KILN_${name}\``);
    });
  });
});
