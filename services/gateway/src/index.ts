// The gateway as a library, for `kiln start` and `kiln keys`.
export * from './config';
export { startGateway, type Gateway, type GatewayDependencies } from './gateway';
export { createGatewayApi, type GatewayApi, type UnmappedTagView } from './api';
export { ApiKeyStore, MIN_SEEDED_KEY_LENGTH, type ApiKeyInfo, type CreatedApiKey } from './auth/api-keys';
export { ALL_SITES, ROLES, type Principal, type Role } from './auth/principal';
export { ApiError, type ApiErrorKind } from './errors';
