import { isIanaTimeZone, parseAssetModel } from '../src';
import { configErrors, position } from './fixtures';

const plant = (timeZone: string): string => `enterprise:
  id: acme
sites:
  - id: berlin
    timeZone: ${timeZone}
    areas: []
  - id: chicago
    timeZone: America/Chicago
    areas: []
  - id: linz
    areas: []
`;

describe('a site time zone in the plant file', () => {
  it('keeps the IANA zone of each site, and none where the file gives none', () => {
    const model = parseAssetModel(plant('Europe/Berlin'), 'plant.yaml');
    expect(model.nodes.filter((node) => node.level === 'site')).toEqual([
      { id: 'acme/berlin', level: 'site', name: 'berlin', parentId: 'acme', timeZone: 'Europe/Berlin' },
      { id: 'acme/chicago', level: 'site', name: 'chicago', parentId: 'acme', timeZone: 'America/Chicago' },
      { id: 'acme/linz', level: 'site', name: 'linz', parentId: 'acme' },
    ]);
  });

  it('refuses an unknown zone naming file, line, key and value', () => {
    const text = plant('Europe/Berlinn');
    expect(configErrors(() => parseAssetModel(text, 'plant.yaml'))).toEqual([
      `${position(text, 'Europe/Berlinn')} sites[0].timeZone: ` +
        '"Europe/Berlinn" is not an IANA time zone (such as Europe/Berlin or America/Chicago)',
    ]);
  });

  it('knows IANA names only, not fixed offsets or blanks', () => {
    expect(isIanaTimeZone('Asia/Kolkata')).toBe(true);
    expect(isIanaTimeZone('+01:00')).toBe(false);
    expect(isIanaTimeZone('')).toBe(false);
    expect(isIanaTimeZone('CEST')).toBe(false);
  });
});
