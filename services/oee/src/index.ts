// The OEE service as a library, for `kiln start` and for the APIs that read live OEE.
export * from './config';
export {
  startOee,
  OEE_INPUT_TOPICS,
  OEE_SERVICE_TOPICS,
  type OeeDependencies,
  type OeeService,
} from './oee-service';
export { OeeEngine, mergeRanges } from './engine';
export { AssetSettings, settingsFromAttributes, ASSET_SETTINGS_CACHE_MS } from './asset-settings';
export { SiteTimeZones, siteIdOf, SITE_TIME_ZONE_CACHE_MS } from './site-time-zones';
export { OeeStore, kindName, type ResultToPublish } from './store';
export { MemoryLiveOee, RedisLiveOee, type LiveOee } from './live';
export { calendarShifts, calendarFor, readCalendarFile, settingsFor, CalendarFileError } from './calendar';
export { openLiveOee } from './adapters';
export { openDatabase } from '@kiln/timeseries';
