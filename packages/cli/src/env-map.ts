// The environment variables `kiln start` reads, apart from the configuration schema so that `kiln env` and the
// docs test need not load the services.
import { busEnvMap } from '@kiln/bus';
import { serviceEnvMap } from '@kiln/service-kit';

/** Environment variables (all with the `KILN_` prefix) and the configuration key each sets. */
export const platformEnvMap = {
  ...serviceEnvMap,
  ...busEnvMap,
  TOPIC_PARTITIONS: 'topics.partitions',
  SIMULATOR: 'simulator.enabled',
  SIMULATOR_SPEED_FACTOR: 'simulator.speedFactor',
  SIMULATOR_OPCUA_PORT: 'simulator.opcua.port',
  INGESTION_BUFFER_DIRECTORY: 'ingestion.buffer.directory',
  DATABASE_URL: 'database.url',
  DATABASE_EMBEDDED_DIR: 'database.embedded.dataDir',
  REDIS_URL: 'redis.url',
  PLANT_FILE: 'normalization.plantFile',
  OEE_CALENDAR_FILE: 'oee.calendarFile',
  OEE_UTC_OFFSET_MINUTES: 'oee.utcOffsetMinutes',
} as const satisfies Record<string, string>;
