// The OEE service as a library, for `kiln start`.
export * from './config';
export {
  startOee,
  OEE_INPUT_TOPICS,
  OEE_SERVICE_TOPICS,
  type OeeDependencies,
  type OeeService,
} from './oee-service';
// Moved to @kiln/oee-store; passed on only while packages/cli imports them from here (issue 16: to be dropped).
export {
  calendarFor,
  calendarShifts,
  oeeSectionSchema,
  openLiveOee,
  readCalendarFile,
  type OeeSection,
} from '@kiln/oee-store';
export { openDatabase } from '@kiln/timeseries';
