// Every connector kind the ingestion service knows: its configuration schema and its factory. The `kind` key of
// a connector's configuration picks the entry, so a misspelt key inside a connector is named precisely.
import { z } from 'zod';
import { createHttpConnector, httpConnectorConfigSchema } from './http';
import { createModbusConnector, modbusConnectorConfigSchema } from './modbus';
import { createMqttConnector, mqttConnectorConfigSchema } from './mqtt';
import { createOpcuaConnector, opcuaConnectorConfigSchema } from './opcua';
import { createSparkplugConnector, sparkplugConnectorConfigSchema } from './sparkplug';
import type { Connector } from './types';

export const connectorConfigSchema = z.discriminatedUnion('kind', [
  opcuaConnectorConfigSchema,
  mqttConnectorConfigSchema,
  sparkplugConnectorConfigSchema,
  modbusConnectorConfigSchema,
  httpConnectorConfigSchema,
]);

export type ConnectorConfig = z.output<typeof connectorConfigSchema>;

export function createConnector(config: ConnectorConfig): Connector {
  switch (config.kind) {
    case 'opcua':
      return createOpcuaConnector(config);
    case 'mqtt':
      return createMqttConnector(config);
    case 'sparkplug':
      return createSparkplugConnector(config);
    case 'modbus':
      return createModbusConnector(config);
    case 'http':
      return createHttpConnector(config);
  }
}
