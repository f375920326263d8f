// For other workspaces' end-to-end tests (a chain from the simulator to OEE): the service's parts started without
// its process. Not for production code, which runs the definition.
export { startNormalization, type NormalizationDependencies } from './normalization';
