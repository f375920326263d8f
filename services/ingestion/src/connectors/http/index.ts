export { httpConnectorConfigSchema, type HttpConnectorConfig, type HttpConnectorConfigInput } from './config';
export { createHttpConnector, MalformedJsonError, type HttpConnector } from './http-connector';
export { SampleBatchError, type BatchIssue } from './sample-batch';
