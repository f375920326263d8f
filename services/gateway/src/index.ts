// The gateway: its definition (run by its process and by `kiln start`), its configuration types, and the API-key
// store with its vocabulary, which the `kiln` command uses to seed the admin key and for `kiln keys`.
export { gatewayService, type GatewayExtras } from './definition';
export {
  DEFAULT_OPS_PORT,
  gatewayConfigSchema,
  gatewayEnvMap,
  gatewaySectionEnvMap,
  gatewaySectionSchema,
  loadGatewayConfig,
  type GatewayConfig,
  type GatewaySection,
} from './config';
export type { Gateway } from './gateway';
export { ApiKeyStore, MIN_SEEDED_KEY_LENGTH, type ApiKeyInfo, type CreatedApiKey } from './auth/api-keys';
export { ALL_SITES, ROLES, type Principal, type Role } from './auth/principal';
export { ApiError, type ApiErrorKind } from './errors';
