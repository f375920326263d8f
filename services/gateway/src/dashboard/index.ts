// The live dashboard: a static page at / and the server-sent events it follows (GET /api/v1/stream).
export { dashboardPage, STATIC_DIR } from './static-files';
export { machineStatus, currentState, type MachineStatus } from './machine-status';
export { streamRoutes, streamQuery, snapshotSchema, MAX_STREAM_ASSETS, type Snapshot } from './stream-route';
