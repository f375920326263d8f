// The plant file (asset model + mapping rules): read and validated at start, stored in the database so the
// APIs can list assets and signals, and re-read when it changes (file watch, SIGHUP, `reload()`). A new file
// that does not validate leaves the running configuration in place and says what is wrong with it.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parsePlantConfig, type AssetModel, type PlantConfig } from '@kiln/asset-model';
import { ConfigError, type Logger } from '@kiln/service-kit';
import {
  HistorianWriter,
  type AssetRecord,
  type Database,
  type SignalDataType,
  type SignalDefinition,
} from '@kiln/timeseries';

export type PlantReloadOutcome =
  | { readonly status: 'applied' }
  | { readonly status: 'unchanged' }
  /** The file does not validate (or cannot be read); the previous configuration keeps running. */
  | { readonly status: 'invalid'; readonly error: ConfigError }
  /** Valid, but it could not be stored; nothing changed and the next reload tries again. */
  | { readonly status: 'failed'; readonly error: unknown };

export interface PlantFileOptions {
  readonly file: string;
  readonly db: Database;
  readonly schema: string;
  readonly logger: Logger;
  /** Watch the file's directory and reload on a change (debounced). */
  readonly watch: boolean;
  readonly debounceMs?: number;
  /** Called with every valid new configuration after it was stored. */
  readonly onChange: (config: PlantConfig) => void;
  readonly onReloadFailure?: (reason: 'invalid' | 'storage') => void;
  readonly onReloaded?: () => void;
}

/** Rows of the `assets` and `signals` tables for a model: every hierarchy level, then the assets. */
export function plantRecords(model: AssetModel): { assets: AssetRecord[]; signals: SignalDefinition[] } {
  const assets: AssetRecord[] = [
    ...model.nodes.map((node): AssetRecord => ({
      id: node.id,
      parentId: node.parentId === '' ? null : node.parentId,
      level: node.level,
      name: node.name,
      // The OEE service and the gateway read a site's zone from here (`attributes.timeZone`).
      ...(node.timeZone === undefined ? {} : { attributes: { timeZone: node.timeZone } }),
    })),
    ...model.assets.map((asset): AssetRecord => ({
      id: asset.id,
      parentId: asset.parentId,
      level: 'asset',
      name: asset.name,
      type: asset.type,
      attributes: { description: asset.description, defaults: asset.defaults },
    })),
  ];
  const signals = model.assets.flatMap((asset) =>
    asset.signals.map((signal): SignalDefinition => {
      // Arrays (waveforms) have no column type of their own in the narrow table; their unit still matters.
      const dataType: SignalDataType | undefined = signal.type === 'array' ? undefined : signal.type;
      return {
        assetId: asset.id,
        name: signal.name,
        unit: signal.unit,
        ...(dataType === undefined ? {} : { dataType }),
      };
    }),
  );
  return { assets, signals };
}

/** Upserts the model's assets and signals (a removed asset stays: its history still refers to it). */
export async function storePlant(db: Database, schema: string, model: AssetModel): Promise<void> {
  // A fresh writer: its signal-id cache would skip signals whose unit changed in the file.
  const writer = new HistorianWriter(db, { schema });
  const { assets, signals } = plantRecords(model);
  await writer.upsertAssets(assets);
  await writer.upsertSignals(signals);
}

export class PlantFile {
  private current: PlantConfig;
  private currentHash: string;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: PlantFileOptions,
    loaded: { config: PlantConfig; hash: string },
  ) {
    this.current = loaded.config;
    this.currentHash = loaded.hash;
  }

  /** Reads, validates and stores the plant file. Throws ConfigError naming file:line:col key. */
  static async open(options: PlantFileOptions): Promise<PlantFile> {
    const loaded = await readPlant(options.file);
    await storePlant(options.db, options.schema, loaded.config.model);
    const plant = new PlantFile(options, loaded);
    if (options.watch) plant.startWatching();
    options.logger.info(
      {
        plantFile: options.file,
        assets: loaded.config.model.assets.length,
        rules: loaded.config.mappings.rules.length,
      },
      'plant file loaded',
    );
    return plant;
  }

  get config(): PlantConfig {
    return this.current;
  }

  /** Re-reads the file; one reload at a time. */
  reload(): Promise<PlantReloadOutcome> {
    const next = this.queue.then(() => this.reloadNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.closed = true;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async reloadNow(): Promise<PlantReloadOutcome> {
    const { logger, file } = this.options;
    let loaded: { config: PlantConfig; hash: string };
    try {
      loaded = await readPlant(file, this.currentHash);
    } catch (error) {
      if (error instanceof Unchanged) return { status: 'unchanged' };
      if (!(error instanceof ConfigError)) throw error;
      this.options.onReloadFailure?.('invalid');
      logger.error(
        { plantFile: file, issues: error.issues.length },
        `plant file change not applied, the previous configuration keeps running: ${error.message}`,
      );
      return { status: 'invalid', error };
    }
    try {
      await storePlant(this.options.db, this.options.schema, loaded.config.model);
    } catch (error) {
      this.options.onReloadFailure?.('storage');
      logger.error(
        { plantFile: file, err: error },
        'plant file change not applied: storing its assets and signals failed (tried again on the next change)',
      );
      return { status: 'failed', error };
    }
    this.current = loaded.config;
    this.currentHash = loaded.hash;
    this.options.onChange(loaded.config);
    this.options.onReloaded?.();
    logger.info(
      {
        plantFile: file,
        assets: loaded.config.model.assets.length,
        rules: loaded.config.mappings.rules.length,
      },
      'plant file reloaded',
    );
    return { status: 'applied' };
  }

  // The directory is watched, not the file: editors and Kubernetes ConfigMaps replace files by renaming, which
  // ends a watch on the file itself. A content hash tells real changes from noise.
  private startWatching(): void {
    const { file, logger } = this.options;
    const name = basename(file);
    try {
      this.watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== name && !changed.startsWith('..')) return;
        this.scheduleReload();
      });
      this.watcher.on('error', (error) =>
        logger.warn({ plantFile: file, err: error }, 'watching the plant file failed; use SIGHUP to reload'),
      );
    } catch (error) {
      logger.warn({ plantFile: file, err: error }, 'cannot watch the plant file; use SIGHUP to reload');
    }
  }

  private scheduleReload(): void {
    if (this.closed) return;
    if (this.debounce !== undefined) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.reload().catch((error: unknown) =>
        this.options.logger.error({ plantFile: this.options.file, err: error }, 'plant file reload failed'),
      );
    }, this.options.debounceMs ?? 300);
    this.debounce.unref();
  }
}

class Unchanged extends Error {}

async function readPlant(file: string, unlessHash?: string): Promise<{ config: PlantConfig; hash: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([
      {
        path: 'normalization.plantFile',
        message: `cannot read the plant file ${file}: ${reason}`,
        source: { kind: 'unknown' },
      },
    ]);
  }
  const hash = createHash('sha256').update(text).digest('hex');
  if (hash === unlessHash) throw new Unchanged();
  return { config: parsePlantConfig(text, file), hash };
}
