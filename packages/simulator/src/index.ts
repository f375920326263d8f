export * from './model';
export { startClock, type ClockOptions, type ClockStats, type SimulationClock } from './clock';
export {
  loadSimulatorConfig,
  parseSimulatorConfig,
  plantModelConfig,
  simulatorConfigSchema,
  simulatorEnvMap,
  startTimeMs,
  type SimulatorConfig,
  type SimulatorConfigInput,
} from './config';
export {
  modbusRegisterMapOf,
  startSimulator,
  type SimulatorHandle,
  type StartSimulatorOptions,
} from './simulator';
export { opcuaNodeId, startOpcuaServer, type OpcuaServerHandle } from './opcua/opcua-server';
export {
  renderTopic,
  startMqttJsonPublisher,
  type MqttJsonPublisherHandle,
  type MqttJsonPublisherOptions,
} from './mqtt/json-publisher';
export {
  hostStateOnline,
  sparkplugAlias,
  sparkplugDeviceId,
  startSparkplugEdge,
  type SparkplugEdgeHandle,
  type SparkplugEdgeOptions,
  type SparkplugEdgeStats,
} from './mqtt/sparkplug-edge';
export { startModbusServer, type ModbusServerHandle, type ModbusServerOptions } from './modbus/modbus-server';
export {
  decodeRegisters,
  encodeRegisters,
  MODBUS_BLOCK_LAYOUT,
  MODBUS_BLOCK_SIZE,
  modbusRegisterMap,
  type ModbusArea,
  type ModbusRegisterEntry,
  type ModbusValueType,
  type ModbusWordOrder,
} from './modbus/register-map';
export * from './erp';
