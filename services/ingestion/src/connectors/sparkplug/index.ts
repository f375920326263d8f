export { sparkplugConnectorConfigSchema } from './config';
export type { SparkplugConnectorConfig, SparkplugConnectorConfigInput } from './config';
export { createSparkplugConnector, type SparkplugConnectorDependencies } from './sparkplug-connector';
export {
  SparkplugHostState,
  sourceIdOf,
  type EdgeNodeMessage,
  type HostAction,
  type HostStateOptions,
} from './host-state';
