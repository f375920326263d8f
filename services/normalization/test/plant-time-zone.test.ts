// A site's time zone from the plant file reaches the site's row (attributes.timeZone), where the OEE service and
// the gateway read it.
import { parseAssetModel } from '@kiln/asset-model';
import { plantRecords } from '../src/plant';

const PLANT = `enterprise: { id: acme }
sites:
  - { id: berlin, timeZone: Europe/Berlin, areas: [] }
  - { id: linz, areas: [] }
`;

describe('plantRecords', () => {
  it("stores a site's timeZone in its attributes, and no attributes for a site without one", () => {
    const { assets } = plantRecords(parseAssetModel(PLANT, 'plant.yaml'));
    expect(assets.find((asset) => asset.id === 'acme/berlin')).toMatchObject({
      level: 'site',
      attributes: { timeZone: 'Europe/Berlin' },
    });
    expect(assets.find((asset) => asset.id === 'acme/linz')?.attributes).toBeUndefined();
  });
});
