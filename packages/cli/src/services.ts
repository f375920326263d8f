// The services `kiln start` runs in one process: this list is all it knows of them. Their configuration sections
// and environment names are merged from their definitions (config.ts, env-map.ts) and the start order comes from
// the topics each declares (@kiln/service-runtime's startOrder), so a new service is one more line here.
import { erpSyncService } from '@kiln/erp-sync';
import { gatewayService } from '@kiln/gateway';
import { ingestionService } from '@kiln/ingestion';
import { maintenanceService } from '@kiln/maintenance';
import { normalizationService } from '@kiln/normalization';
import { oeeService } from '@kiln/oee-service';
import { mergeServiceConfig } from '@kiln/service-runtime';
import type { Logger } from '@kiln/service-kit';

export const PLATFORM_SERVICES = [
  ingestionService,
  normalizationService,
  oeeService,
  maintenanceService,
  erpSyncService,
  gatewayService,
] as const;

/** Their sections and environment names, merged. */
export const platformServiceConfig = mergeServiceConfig(PLATFORM_SERVICES);

/** Routes the services' libraries' own logs (node-opcua's) to the logger, as each service's process does. */
export function routeLibraryLogs(logger: Logger): void {
  for (const definition of PLATFORM_SERVICES) definition.onLogger?.(logger);
}
