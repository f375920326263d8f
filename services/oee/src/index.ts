// The OEE service: its definition (run by its process and by `kiln start`) and its configuration types. The OEE
// engine, store, settings and live OEE it shares with the gateway are @kiln/oee-store's. Other workspaces'
// end-to-end tests start it from '@kiln/oee-service/testing'.
export { oeeService } from './definition';
export { loadOeeConfig, oeeConfigSchema, oeeEnvMap, type OeeConfig } from './config';
export type { OeeService } from './oee-service';
