// A topic nobody can find is not done: the reference page must list every topic of the catalogue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTableRows } from '@kiln/test-infra';
import { topicCatalogue } from '../src';

const page = readFileSync(join(__dirname, '../../../docs/events.md'), 'utf8');
const rows = markdownTableRows(page);

describe('docs/events.md', () => {
  it.each(topicCatalogue.map((spec) => [spec.name, spec] as const))(
    'documents %s with its key and partitions',
    (name, spec) => {
      const row = rows.find((cells) => cells[0] === `\`${name}\``);
      expect(row?.slice(1, 3)).toEqual([spec.key, String(spec.partitions)]);
    },
  );
});
