// The pure OEE core: time model, KPIs, six big losses and roll-ups after ISO 22400-2 (docs/architecture.md section 6).
// No I/O, no clock, no Kafka: every time is an argument.
export type { BreakSpan, CountDelta, OrderSpan, ShiftSpan, StateChange, TimeRange } from './types';
export { OeeInputError } from './errors';
export {
  DEFAULT_MICRO_STOP_THRESHOLD_S,
  DEFAULT_OEE_SETTINGS,
  resolveOeeSettings,
  type OeeSettings,
  type OeeSettingsInput,
} from './settings';
export { EMPTY_TOTALS, sumTotals, type OeeTotals, type StopTotal } from './totals';
export type { OeeFlags, OeeSummary, OtherLossesS, SixBigLossesS, StopTimeS } from './summary';
export type { OeeMeasureInput } from './measure';
export { MAX_COUNT_INTERVAL_US, countRange, countReaches } from './count-interval';
export {
  assetPathPrefix,
  computeOee,
  rollUp,
  rollUpByPathPrefix,
  type OeeComputation,
  type OeeInput,
  type OeeRollUp,
  type OeeRollUpBasis,
  type OeeRollUpPart,
} from './compute';
export {
  DAY_US,
  HOUR_US,
  dayWindows,
  hourWindows,
  orderWindows,
  shiftWindows,
  windowsAffectedBy,
  windowsFor,
  type OeeWindow,
  type WindowCalendar,
} from './windows';
export {
  UTC_ZONE,
  addDays,
  checkTimeZone,
  fixedOffsetZone,
  isTimeZone,
  localDateAt,
  offsetMsAt,
  utcOfLocal,
  type LocalDate,
  type TimeZone,
} from './time-zone';
export { minuteOfClock, weeklyShiftSpans, type Weekday, type WeeklyShift } from './weekly-shifts';
export {
  countDeltaFromEvent,
  orderSpanFromProductionOrder,
  shiftSpanFromShift,
  stateChangeFromEvent,
  toOeeResult,
  type OeeResultContext,
} from './contracts-mapping';
