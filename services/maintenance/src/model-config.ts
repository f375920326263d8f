// The `maintenance.model` section: every key of the predictive-maintenance core's PdmConfig, each optional, so a
// plant configures only what differs from the defaults (DEFAULT_PDM_CONFIG, tuned with `npm run eval:pdm`).
// Unknown keys are refused with their path, like every other section.
import { DEFAULT_PDM_CONFIG, type PdmConfig } from '@kiln/pdm';
import { z } from 'zod';

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const isoTime = z.iso
  .datetime({ offset: true })
  .describe('ISO 8601 time with an offset, e.g. 2026-01-05T00:00:00Z');

const signalRuleSchema = z.strictObject({
  /** Signal name pattern; `*` matches any run of characters. */
  pattern: z.string().min(1),
  direction: z.enum(['up', 'down']).optional(),
  /** Absolute failure level in the signal's unit. */
  failureLevel: z.number().optional(),
  /** false: never monitored, even when its unit is. */
  monitored: z.boolean().optional(),
});

const zoneBoundariesSchema = z
  .strictObject({ abMmPerS: positive, bcMmPerS: positive, cdMmPerS: positive })
  .refine((b) => b.abMmPerS < b.bcMmPerS && b.bcMmPerS < b.cdMmPerS, {
    message: 'zone boundaries must increase: abMmPerS < bcMmPerS < cdMmPerS',
  });

export const pdmModelSchema = z.strictObject({
  signals: z
    .strictObject({
      /** Every numeric signal in one of these UCUM units is monitored. */
      units: z.array(z.string().min(1)).optional(),
      /** First matching rule wins. */
      rules: z.array(signalRuleSchema).optional(),
    })
    .optional(),
  /** The machine runs while the latest value of `signal` is above `above`; null: always counts as running. */
  operatingGate: z
    .strictObject({ signal: z.string().min(1), above: z.number() })
    .nullable()
    .optional(),
  maxSampleGapS: positive.optional(),
  featureWindowS: positive.optional(),
  minSamplesPerWindow: z.number().int().positive().optional(),
  baseline: z
    .strictObject({
      hours: positive.optional(),
      /** A known healthy period to learn from instead of the first operating hours. */
      healthyPeriod: z.strictObject({ start: isoTime, end: isoTime }).optional(),
      minWindows: z.number().int().positive().optional(),
      minScaleAbs: nonNegative.optional(),
      minScaleRel: nonNegative.optional(),
    })
    .optional(),
  ewma: z
    .strictObject({ lambda: z.number().gt(0).lte(1).optional(), limitSigma: positive.optional() })
    .optional(),
  cusum: z.strictObject({ k: nonNegative.optional(), h: positive.optional() }).optional(),
  multivariate: z
    .strictObject({ enabled: z.boolean().optional(), probability: z.number().gt(0).lt(1).optional() })
    .optional(),
  iso: z
    .strictObject({
      group: z.union([z.literal(1), z.literal(2)]).optional(),
      foundation: z.enum(['rigid', 'flexible']).optional(),
      custom: zoneBoundariesSchema.optional(),
      velocityUnits: z.array(z.string().min(1)).optional(),
      tripFactor: positive.optional(),
    })
    .optional(),
  health: z.strictObject({ zOk: positive.optional(), zFail: positive.optional() }).optional(),
  alerts: z
    .strictObject({
      openBelow: z.number().min(0).max(100).optional(),
      clearAbove: z.number().min(0).max(100).optional(),
      minDurationS: nonNegative.optional(),
      warningBelow: z.number().min(0).max(100).optional(),
      criticalBelow: z.number().min(0).max(100).optional(),
      rulHorizonH: positive.optional(),
      criticalRulH: positive.optional(),
    })
    .optional(),
  rul: z
    .strictObject({
      model: z.enum(['exponential', 'linear']).optional(),
      fitWindowH: positive.optional(),
      halfLifeH: positive.optional(),
      minPoints: z.number().int().min(3).optional(),
      tCritical: positive.optional(),
      intervalSigma: positive.optional(),
      maxRulH: positive.optional(),
    })
    .optional(),
});

export type PdmModelInput = z.output<typeof pdmModelSchema>;

/** The core's configuration: the defaults with the configured keys laid over them. */
export function pdmConfigOf(input: PdmModelInput): PdmConfig {
  const d = DEFAULT_PDM_CONFIG;
  const { healthyPeriod, ...baseline } = input.baseline ?? {};
  const alerts = { ...d.alerts, ...input.alerts };
  if (!(alerts.clearAbove > alerts.openBelow)) {
    throw new Error(
      `maintenance.model.alerts.clearAbove (${alerts.clearAbove}) must be above openBelow (${alerts.openBelow})`,
    );
  }
  return {
    ...d,
    ...(input.maxSampleGapS === undefined ? {} : { maxSampleGapS: input.maxSampleGapS }),
    ...(input.featureWindowS === undefined ? {} : { featureWindowS: input.featureWindowS }),
    ...(input.minSamplesPerWindow === undefined ? {} : { minSamplesPerWindow: input.minSamplesPerWindow }),
    signals: { ...d.signals, ...input.signals },
    operatingGate: input.operatingGate === undefined ? d.operatingGate : (input.operatingGate ?? undefined),
    baseline: {
      ...d.baseline,
      ...baseline,
      ...(healthyPeriod === undefined
        ? {}
        : {
            healthyPeriod: {
              startUs: Date.parse(healthyPeriod.start) * 1000,
              endUs: Date.parse(healthyPeriod.end) * 1000,
            },
          }),
    },
    ewma: { ...d.ewma, ...input.ewma },
    cusum: { ...d.cusum, ...input.cusum },
    multivariate: { ...d.multivariate, ...input.multivariate },
    iso: { ...d.iso, ...input.iso },
    health: { ...d.health, ...input.health },
    alerts,
    rul: { ...d.rul, ...input.rul },
  };
}
