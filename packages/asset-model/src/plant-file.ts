// One plant file holds the asset model and its mapping rules (docs/architecture.md section 4); this reads both at once.
import { parsePlantYaml } from './config-issues';
import { parseMappingRulesSource, type MappingRuleSet } from './mapping';
import type { AssetModel } from './model';
import { parseAssetModelSource } from './parse-model';

export interface PlantConfig {
  readonly model: AssetModel;
  readonly mappings: MappingRuleSet;
}

/**
 * Parses a plant YAML text (model + `mappings`). The model is checked first: mapping rules are only checked
 * against a valid model. Throws `ConfigError` (@kiln/config-source) naming file, line, column and key.
 */
export function parsePlantConfig(text: string, fileName: string): PlantConfig {
  const source = parsePlantYaml(text, fileName);
  const model = parseAssetModelSource(source);
  return { model, mappings: parseMappingRulesSource(source, model) };
}
