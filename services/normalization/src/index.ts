// The normalization service: its definition (run by its process and by `kiln start`) and its configuration types.
// Other workspaces' end-to-end tests start it from '@kiln/normalization/testing'.
export { normalizationService } from './definition';
export {
  loadNormalizationConfig,
  normalizationConfigSchema,
  normalizationEnvMap,
  normalizationSectionEnvMap,
  normalizationSectionSchema,
  rollupRefreshConfigSchema,
  type NormalizationConfig,
  type NormalizationSection,
} from './config';
export type { Normalization } from './normalization';
