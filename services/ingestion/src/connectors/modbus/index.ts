export {
  modbusConnectorConfigSchema,
  registerCount,
  type ModbusConnectorConfig,
  type ModbusConnectorConfigInput,
  type ModbusDeviceConfig,
  type ModbusRegisterConfig,
} from './config';
export { createModbusConnector } from './modbus-connector';
export { ModbusRangeError } from './device-poller';
