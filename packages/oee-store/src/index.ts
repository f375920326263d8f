// The OEE engine bound to the database, shared by the OEE service (which computes, stores and publishes windows)
// and the gateway (OEE of any range on request, the live OEE the service keeps): the store of OEE's inputs and
// results, the asset settings and site time zones it computes with, the shift calendar, live OEE, and the `oee`
// configuration section both read.
export { calendarFor, CalendarFileError, calendarShifts, readCalendarFile, settingsFor } from './calendar';
export { ASSET_SETTINGS_CACHE_MS, AssetSettings, settingsFromAttributes } from './asset-settings';
export { OeeEngine, type OeeEngineOptions } from './engine';
export { MemoryLiveOee, RedisLiveOee, type LiveOee } from './live';
export {
  deploymentTimeZone,
  oeeSectionEnvMap,
  oeeSectionSchema,
  type OeeSection,
  type ShiftCalendar,
} from './oee-section';
export { openLiveOee } from './open-live-oee';
export { OrderShiftStore, type OrderShiftSpan, type SpanChange } from './order-shift-store';
export type { ResultToPublish } from './result-upsert';
export { SITE_TIME_ZONE_CACHE_MS, siteIdOf, SiteTimeZones } from './site-time-zones';
export { OeeStore, type DueAsset } from './store';
export { kindName } from './window-kind';
export { liveOeeResource } from './live-resource';
