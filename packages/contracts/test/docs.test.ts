// A topic nobody can find is not done: the reference page must list every topic of the catalogue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicCatalogue } from '../src';

describe('docs/events.md', () => {
  const page = readFileSync(join(__dirname, '../../../docs/events.md'), 'utf8');
  it.each(topicCatalogue.map((spec) => [spec.name, spec] as const))(
    'documents %s with its key and partitions',
    (name, spec) => {
      const row = page.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row).toBeDefined();
      expect(row).toContain(`| ${spec.key} | ${spec.partitions} |`);
    },
  );
});
