// Where a configuration value came from (docs/architecture.md sections 4 and 10: files are validated at start
// with errors that name the file, line and key). Pure, no I/O: the caller reads the file. Its own package, below
// service-kit, because the asset model (a core package) reports plant-file problems the same way service
// configuration does, and a core package may not import the platform (docs/architecture.md section 12).
export { ConfigError, formatConfigIssue, type ConfigIssue, type ConfigSource } from './config-error';
export { formatPath } from './config-path';
export {
  formatYamlLocation,
  locateYamlPath,
  parseYamlSource,
  type LocateYamlPathOptions,
  type YamlLocation,
  type YamlSource,
  type YamlSyntaxError,
} from './yaml-source';
export { MAX_NESTING, yamlNestingProblem, type NestingProblem } from './yaml-nesting';
