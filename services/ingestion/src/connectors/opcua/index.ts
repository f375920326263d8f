export {
  opcuaConnectorConfigSchema,
  effectiveSecurityPolicy,
  type OpcuaConnectorConfig,
  type OpcuaConnectorConfigInput,
  type OpcuaAuth,
  type OpcuaDeadband,
  type OpcuaNodeConfig,
} from './config';
export { createOpcuaConnector } from './opcua-connector';
