// The public gRPC query API of Kiln (package kiln.v1, proto/kiln/v1), re-exported as one namespace: index.ts
// exposes it as `api`, so that its names (Asset, Signal, Bucket, ...) never clash with the event contracts.
// A grpc-js server registers a service with `server.addService(api.OeeServiceService, impl)` where
// `impl: api.OeeServiceServer`; a client is `new api.OeeServiceClient(address, credentials)`.
export * from './gen/kiln/v1/asset_service';
export * from './gen/kiln/v1/telemetry_service';
export * from './gen/kiln/v1/oee_service';
export * from './gen/kiln/v1/machine_state_service';
export * from './gen/kiln/v1/alert_service';
// The well-known types the API uses for times: {seconds, nanos} objects (ts-proto with useDate=false).
export { Duration } from './gen/google/protobuf/duration';
export { Timestamp } from './gen/google/protobuf/timestamp';
