// The maintenance service: its definition (run by its process and by `kiln start`) and its configuration types.
export { maintenanceService } from './definition';
export {
  loadMaintenanceConfig,
  maintenanceConfigSchema,
  maintenanceEnvMap,
  maintenanceSectionEnvMap,
  maintenanceSectionSchema,
  type MaintenanceConfig,
  type MaintenanceSection,
} from './config';
export type { MaintenanceService } from './maintenance-service';
