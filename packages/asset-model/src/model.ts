// The plant's ISA-95 asset tree (docs/architecture.md section 4): enterprise / site / area / line / cell / asset, each asset
// with its signals. An asset id is its path, lower case, '/'-separated: `acme/plant-1/pressing/line-2/press-04`.

export const SIGNAL_TYPES = ['number', 'integer', 'boolean', 'string', 'array'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

export type HierarchyLevel = 'enterprise' | 'site' | 'area' | 'line' | 'cell' | 'asset';

/** One path segment of an asset id: lower case letters, digits, '-', '_' and '.', starting with a letter or digit. */
export const ID_SEGMENT_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

export interface Signal {
  /** Unique within its asset, same rules as an id segment: `temperature`, `vibration-velocity`. */
  readonly name: string;
  /** UCUM code (`Cel`, `mm/s`, `1/min`); empty for dimensionless values and texts. */
  readonly unit: string;
  readonly type: SignalType;
  readonly description: string;
}

export interface AssetDefaults {
  /** Ideal cycle time when no production order gives one (docs/architecture.md section 6). */
  readonly idealCycleTimeS?: number;
  /** Stops shorter than this stay inside actual production time (docs/architecture.md section 6; OEE defaults to 120 s). */
  readonly microStopThresholdS?: number;
}

export interface Asset {
  readonly id: string;
  readonly name: string;
  /** Free text kind of machine: `press`, `robot`, `oven`. */
  readonly type: string;
  readonly description: string;
  /** Id of the line or cell that holds the asset. */
  readonly parentId: string;
  readonly defaults: AssetDefaults;
  readonly signals: readonly Signal[];
  readonly signalsByName: ReadonlyMap<string, Signal>;
}

/** Every level above the assets, flattened for storage and listing (`acme/plant-1/pressing`). */
export interface HierarchyNode {
  readonly id: string;
  readonly level: Exclude<HierarchyLevel, 'asset'>;
  readonly name: string;
  /** Empty for the enterprise. */
  readonly parentId: string;
  /** A site's IANA time zone (`Europe/Berlin`), when the plant file gives one. */
  readonly timeZone?: string;
}

export interface AssetModel {
  /** Enterprise first, then each level in document order (parents before children). */
  readonly nodes: readonly HierarchyNode[];
  /** In document order. */
  readonly assets: readonly Asset[];
  readonly assetsById: ReadonlyMap<string, Asset>;
}

export function findSignal(model: AssetModel, assetId: string, signalName: string): Signal | undefined {
  return model.assetsById.get(assetId)?.signalsByName.get(signalName);
}
