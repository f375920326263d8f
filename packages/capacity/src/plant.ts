// The generated plant of a bench run: `assets` assets of `signals` numeric signals each, plus the probe asset whose
// signals carry the send time of a sample so the latency poller can find them. One mapping rule covers both for
// HTTP and MQTT, so the tag a generator sends is all normalization needs; a second one reads the Sparkplug load,
// where the asset is the device of the source id and the signal the metric name.

export const PLANT_PREFIX = 'e2e/site/area/line';
export const PROBE_ASSET = 'probe';
/** Tags are `<TAG_ROOT>/<asset>/<signal>`; the mapping rule turns them into `<PLANT_PREFIX>/<asset>` + signal. */
export const TAG_ROOT = 'e2e';

export interface PlantShape {
  readonly assets: number;
  readonly signals: number;
  readonly probes: number;
}

export function assetName(index: number): string {
  return `a${index}`;
}

export function signalName(index: number): string {
  return `s${index}`;
}

export function probeSignalName(index: number): string {
  return `p${index}`;
}

/** Every load tag of the plant, asset by asset. */
export function loadTags(shape: PlantShape): string[] {
  const tags: string[] = [];
  for (let a = 0; a < shape.assets; a += 1) {
    for (let s = 0; s < shape.signals; s += 1) tags.push(`${TAG_ROOT}/${assetName(a)}/${signalName(s)}`);
  }
  return tags;
}

export function probeTag(index: number): string {
  return `${TAG_ROOT}/${PROBE_ASSET}/${probeSignalName(index)}`;
}

export const PROBE_ASSET_ID = `${PLANT_PREFIX}/${PROBE_ASSET}`;

/** The plant file (asset model and mapping, packages/asset-model/README.md) as a document to write as YAML. */
export function plantDocument(shape: PlantShape): unknown {
  const numbers = (names: readonly string[]) => names.map((name) => ({ name, type: 'number' }));
  const range = (count: number, name: (i: number) => string) =>
    Array.from({ length: count }, (_, i) => name(i));
  return {
    enterprise: { id: 'e2e', name: 'End-to-end capacity bench' },
    sites: [
      {
        id: 'site',
        areas: [
          {
            id: 'area',
            lines: [
              {
                id: 'line',
                assets: [
                  ...range(shape.assets, assetName).map((id) => ({
                    id,
                    signals: numbers(range(shape.signals, signalName)),
                  })),
                  { id: PROBE_ASSET, signals: numbers(range(shape.probes, probeSignalName)) },
                ],
              },
            ],
          },
        ],
      },
    ],
    mappings: [
      {
        name: 'e2e',
        tag: `${TAG_ROOT}/{asset}/{signal}`,
        asset: `${PLANT_PREFIX}/{asset}`,
        signal: '{signal}',
      },
      {
        name: 'e2e-sparkplug',
        // Ingestion's Sparkplug host names the source `sparkplug/<group>/<edge node>/<device>`, the tag the metric.
        source: 'sparkplug/*/*/{asset}',
        tag: '{signal}',
        asset: `${PLANT_PREFIX}/{asset}`,
        signal: '{signal}',
      },
    ],
  };
}
