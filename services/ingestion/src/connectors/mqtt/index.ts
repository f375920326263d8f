export { mqttConnectorConfigSchema, mqttSubscriptionSchema } from './config';
export type { MqttConnectorConfig, MqttConnectorConfigInput, MqttSubscriptionConfig } from './config';
export { createMqttConnector, type MqttConnectorDependencies } from './mqtt-connector';
