// The maintenance service as a library, for `kiln start` and the tests.
export * from './config';
export {
  MAINTENANCE_INPUT_TOPICS,
  MAINTENANCE_SERVICE_TOPICS,
  startMaintenance,
  type MaintenanceDependencies,
  type MaintenanceService,
} from './maintenance-service';
export { alertIdOf } from './alert-ids';
export { pdmConfigOf, pdmModelSchema } from './model-config';
