// Reads the asset model part of a plant YAML file (format in README.md), strictly: unknown keys, bad ids,
// non-UCUM units and duplicates all fail with `file:line:col key: message`.
import type { YamlSource } from '@kiln/config-source';
import { z } from 'zod';
import { IssueCollector, parsePlantYaml, requireParsedYaml, type YamlPath } from './config-issues';
import {
  ID_SEGMENT_PATTERN,
  SIGNAL_TYPES,
  type Asset,
  type AssetModel,
  type HierarchyNode,
  type Signal,
} from './model';
import { plainText } from './plain-text';
import { isIanaTimeZone } from './time-zone';
import { checkUcumUnit } from './ucum';

/** Longest id segment: an asset id of six segments stays far below what a Kafka key or a text field holds. */
const MAX_ID_SEGMENT_LENGTH = 128;

const idSegment = z
  .string()
  .max(MAX_ID_SEGMENT_LENGTH, {
    error: (issue) =>
      `an id is at most ${MAX_ID_SEGMENT_LENGTH} characters, this one is ${String(issue.input).length}`,
    abort: true,
  })
  .regex(ID_SEGMENT_PATTERN, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a valid id: use lower case letters, digits, '-', '_' and '.', ` +
      'starting with a letter or digit',
  });

const signalSchema = z.strictObject({
  name: idSegment,
  unit: plainText.default(''),
  type: z.enum(SIGNAL_TYPES).default('number'),
  description: plainText.default(''),
});

const assetSchema = z.strictObject({
  id: idSegment,
  name: plainText.optional(),
  type: plainText.default(''),
  description: plainText.default(''),
  defaults: z
    .strictObject({
      idealCycleTimeS: z.number().positive().optional(),
      microStopThresholdS: z.number().nonnegative().optional(),
    })
    .default({}),
  signals: z.array(signalSchema).default([]),
});

const cellSchema = z.strictObject({
  id: idSegment,
  name: plainText.optional(),
  assets: z.array(assetSchema).default([]),
});

const lineSchema = z.strictObject({
  id: idSegment,
  name: plainText.optional(),
  cells: z.array(cellSchema).default([]),
  assets: z.array(assetSchema).default([]),
});

const areaSchema = z.strictObject({ id: idSegment, name: plainText.optional(), lines: z.array(lineSchema) });
const timeZone = z.string().refine(isIanaTimeZone, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not an IANA time zone (such as Europe/Berlin or America/Chicago)`,
});

const siteSchema = z.strictObject({
  id: idSegment,
  name: plainText.optional(),
  /** The site's wall clock for shift calendars, hours and days (the deployment's default without it). */
  timeZone: timeZone.optional(),
  areas: z.array(areaSchema),
});

/** The whole plant file: the model plus (optionally) the mapping rules, which `parseMappingRules` reads. */
export const plantFileSchema = z.strictObject({
  enterprise: z.strictObject({ id: idSegment, name: plainText.optional() }),
  sites: z.array(siteSchema),
  mappings: z.unknown().optional(),
});

type PlantFile = z.output<typeof plantFileSchema>;
type AssetInput = z.output<typeof assetSchema>;

/**
 * Parses and validates the asset model of a plant YAML text. The caller reads the file; `fileName` only labels
 * errors. Throws `ConfigError` (@kiln/config-source) listing every problem with file, line, column and key.
 */
export function parseAssetModel(text: string, fileName: string): AssetModel {
  return parseAssetModelSource(parsePlantYaml(text, fileName));
}

/** As `parseAssetModel`, for a YAML source that is already parsed (the mapping rules reuse it). */
export function parseAssetModelSource(source: YamlSource): AssetModel {
  const input = requireParsedYaml(source);
  const issues = new IssueCollector(source);
  const parsed = plantFileSchema.safeParse(input ?? {});
  if (!parsed.success) {
    issues.addZodIssues(parsed.error.issues, input);
    throw issues.toError();
  }
  const model = buildModel(parsed.data, issues);
  issues.throwIfAny();
  return model;
}

function buildModel(file: PlantFile, issues: IssueCollector): AssetModel {
  const enterpriseId = file.enterprise.id;
  const nodes: HierarchyNode[] = [
    { id: enterpriseId, level: 'enterprise', name: file.enterprise.name ?? enterpriseId, parentId: '' },
  ];
  const assets: Asset[] = [];
  const assetsById = new Map<string, Asset>();
  const addAsset = (input: AssetInput, parentId: string, path: YamlPath): void => {
    const asset = buildAsset(input, parentId, path, issues);
    assets.push(asset);
    assetsById.set(asset.id, asset);
  };

  checkUniqueIds(file.sites, ['sites'], issues);
  file.sites.forEach((site, s) => {
    const siteId = `${enterpriseId}/${site.id}`;
    nodes.push({
      id: siteId,
      level: 'site',
      name: site.name ?? site.id,
      parentId: enterpriseId,
      ...(site.timeZone === undefined ? {} : { timeZone: site.timeZone }),
    });
    checkUniqueIds(site.areas, ['sites', s, 'areas'], issues);
    site.areas.forEach((area, a) => {
      const areaId = `${siteId}/${area.id}`;
      nodes.push({ id: areaId, level: 'area', name: area.name ?? area.id, parentId: siteId });
      const areaPath: YamlPath = ['sites', s, 'areas', a];
      checkUniqueIds(area.lines, [...areaPath, 'lines'], issues);
      area.lines.forEach((line, l) => {
        const lineId = `${areaId}/${line.id}`;
        const linePath: YamlPath = [...areaPath, 'lines', l];
        nodes.push({ id: lineId, level: 'line', name: line.name ?? line.id, parentId: areaId });
        // Cells and assets of a line share the id space: both become the next segment of a path.
        checkUniqueIds(
          [
            ...line.cells.map((cell, c) => ({ id: cell.id, path: [...linePath, 'cells', c] })),
            ...line.assets.map((asset, i) => ({ id: asset.id, path: [...linePath, 'assets', i] })),
          ],
          undefined,
          issues,
        );
        line.cells.forEach((cell, c) => {
          const cellId = `${lineId}/${cell.id}`;
          const cellPath: YamlPath = [...linePath, 'cells', c];
          nodes.push({ id: cellId, level: 'cell', name: cell.name ?? cell.id, parentId: lineId });
          checkUniqueIds(cell.assets, [...cellPath, 'assets'], issues);
          cell.assets.forEach((asset, i) => addAsset(asset, cellId, [...cellPath, 'assets', i]));
        });
        line.assets.forEach((asset, i) => addAsset(asset, lineId, [...linePath, 'assets', i]));
      });
    });
  });
  return { nodes, assets, assetsById };
}

function buildAsset(input: AssetInput, parentId: string, path: YamlPath, issues: IssueCollector): Asset {
  const signalsByName = new Map<string, Signal>();
  const signals = input.signals.map((signalInput, i): Signal => {
    const signalPath: YamlPath = [...path, 'signals', i];
    if (signalsByName.has(signalInput.name)) {
      issues.add({
        path: [...signalPath, 'name'],
        message: `duplicate signal name '${signalInput.name}' in asset ${parentId}/${input.id}`,
      });
    }
    checkSignalUnit(signalInput, signalPath, issues);
    const signal: Signal = { ...signalInput };
    signalsByName.set(signal.name, signal);
    return signal;
  });
  const defaults = input.defaults;
  return {
    id: `${parentId}/${input.id}`,
    name: input.name ?? input.id,
    type: input.type,
    description: input.description,
    parentId,
    defaults,
    signals,
    signalsByName,
  };
}

function checkSignalUnit(
  signal: z.output<typeof signalSchema>,
  path: YamlPath,
  issues: IssueCollector,
): void {
  if (signal.unit === '') return;
  if (signal.type === 'string' || signal.type === 'boolean') {
    issues.add({ path: [...path, 'unit'], message: `a ${signal.type} signal has no unit; remove 'unit'` });
    return;
  }
  const check = checkUcumUnit(signal.unit);
  if (!check.valid) issues.add({ path: [...path, 'unit'], message: check.message });
}

/** Reports every id that repeats an earlier sibling's id, at the repeat. */
function checkUniqueIds(
  items: readonly { readonly id: string; readonly path?: YamlPath }[],
  listPath: YamlPath | undefined,
  issues: IssueCollector,
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) {
      const path = item.path ?? [...(listPath ?? []), i];
      issues.add({
        path: [...path, 'id'],
        message: `duplicate id '${item.id}' (ids must be unique among siblings)`,
      });
    }
    seen.add(item.id);
  });
}
