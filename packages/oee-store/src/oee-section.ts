// The `oee` section of the configuration: settings per asset, the shift calendar, the deployment's time zone and the
// OEE service's consumer and closing choices. One schema for every process that computes OEE (the OEE service, and
// the gateway for OEE on request: the same calendar and settings give the same figures), so one YAML serves both.
import { fixedOffsetZone, isTimeZone, UTC_ZONE, type TimeZone } from '@kiln/oee';
import { z } from 'zod';

/** The choices of docs/architecture.md section 6, each optional (the core's defaults apply). */
export const oeeSettingsSchema = z.strictObject({
  defaultIdealCycleTimeS: z.number().nonnegative().optional(),
  microStopThresholdS: z.number().nonnegative().optional(),
  noOrderIsPlanned: z.boolean().optional(),
  plannedStopsInAvailability: z.boolean().optional(),
  startupPeriodS: z.number().nonnegative().optional(),
});

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected 'HH:MM' (24 h)");
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export const calendarShiftSchema = z.strictObject({
  name: z.string().min(1),
  /** Local wall-clock time of the asset's site (its timeZone, else oee.timeZone); an end at or before the start ends the next day. */
  start: clockTime,
  end: clockTime,
  /** Days the shift starts on. */
  days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  breaks: z.array(z.strictObject({ start: clockTime, end: clockTime })).default([]),
});

export const shiftCalendarSchema = z.strictObject({
  /** Applies to assets whose id starts with this (default: every asset). */
  assetPrefix: z.string().default(''),
  shifts: z.array(calendarShiftSchema).min(1),
});

export const shiftCalendarFileSchema = z.strictObject({
  calendars: z.array(shiftCalendarSchema).min(1),
});

export const oeeSectionSchema = z.strictObject({
  groupId: z.string().min(1).default('oee'),
  startFrom: z.enum(['earliest', 'latest']).default('earliest'),
  maxBatchSize: z.number().int().positive().default(500),
  /**
   * A YAML file of shift calendars (`calendars: [{ assetPrefix, shifts: [{ name, start, end, days, breaks }] }]`)
   * for assets whose ERP sends no shifts. An asset with any ERP shift uses only its ERP shifts.
   */
  calendarFile: z.string().min(1).optional(),
  /**
   * The deployment's IANA time zone (`Europe/Berlin`) for hours, days and the shift calendar of sites that give
   * none of their own (`timeZone` of the site in the plant file or PUT /api/v1/assets); daylight saving included.
   */
  timeZone: z
    .string()
    .refine(isTimeZone, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not an IANA time zone (such as Europe/Berlin or America/Chicago)`,
    })
    .optional(),
  /** @deprecated A fixed offset in minutes without daylight saving; read as the zone `+HH:MM` when no timeZone. */
  utcOffsetMinutes: z
    .number()
    .int()
    .min(-14 * 60)
    .max(14 * 60)
    .optional(),
  settings: z
    .strictObject({
      default: oeeSettingsSchema
        .extend({ defaultIdealCycleTimeS: z.number().positive().default(1) })
        .prefault({}),
      /** Overrides by asset-id prefix; the longest matching prefix wins. */
      assets: z.record(z.string().min(1), oeeSettingsSchema).default({}),
    })
    .prefault({}),
  /** How often windows whose end has passed are closed (also for assets that sent nothing). */
  closeCheckIntervalMs: z.number().int().positive().default(10_000),
  /** Windows closed per asset and check at most (catching up after a long stop of the service). */
  maxWindowsPerCheck: z.number().int().positive().default(500),
});

/** The deployment's default zone: oee.timeZone, else the deprecated fixed offset, else UTC. */
export function deploymentTimeZone(section: Pick<OeeSection, 'timeZone' | 'utcOffsetMinutes'>): TimeZone {
  if (section.timeZone !== undefined) return section.timeZone;
  return section.utcOffsetMinutes === undefined ? UTC_ZONE : fixedOffsetZone(section.utcOffsetMinutes);
}

export type OeeSection = z.output<typeof oeeSectionSchema>;
export type ShiftCalendarFile = z.output<typeof shiftCalendarFileSchema>;
export type ShiftCalendar = z.output<typeof shiftCalendarSchema>;

/** Environment names of the OEE section, shared by every process that computes OEE (the gateway too). */
export const oeeSectionEnvMap = {
  OEE_CALENDAR_FILE: 'oee.calendarFile',
  OEE_TIME_ZONE: 'oee.timeZone',
  OEE_UTC_OFFSET_MINUTES: 'oee.utcOffsetMinutes',
} as const satisfies Record<string, string>;
