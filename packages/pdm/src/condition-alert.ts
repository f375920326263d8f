// The one alert cause for wear-type degradation of an asset. A failing bearing raises vibration, temperature
// and motor current together: judging the asset's health (worst signal) under ONE cause gives one alert that
// escalates, named after the dominant signal, with the evidence of every signal in its details.
import type { SignalAssessment } from './assessment';
import type { PdmConfig } from './config';
import { detectorStep, type AlertSeverityName, type DetectorState } from './detector';
import { CONDITION_DEGRADATION, type AlertDecision, type RulEstimate } from './monitor-types';
import type { MahalanobisResult } from './multivariate';

const US_PER_S = 1_000_000;

export interface ConditionAlertInput {
  readonly assetId: string;
  readonly timeUs: number;
  readonly operatingHours: number;
  readonly healthIndex: number;
  readonly rul: RulEstimate | undefined;
  readonly assessments: readonly SignalAssessment[];
  readonly multivariate: (MahalanobisResult & { readonly ratio: number }) | undefined;
  readonly detector: DetectorState;
  readonly alerts: PdmConfig['alerts'];
}

/** Runs the detector of the condition-degradation cause for one window and words the decision, if any. */
export function conditionAlert(input: ConditionAlertInput): {
  detector: DetectorState;
  decision: AlertDecision | undefined;
} {
  const { assetId, timeUs: endUs, healthIndex, rul, assessments, multivariate, alerts } = input;
  const worst = assessments.reduce<SignalAssessment | undefined>(
    (w, a) => (w === undefined || a.healthIndex < w.healthIndex ? a : w),
    undefined,
  );
  if (worst === undefined) return { detector: input.detector, decision: undefined };
  const severity = severityOf(healthIndex, rul, worst.zone, alerts);
  // The RUL trigger needs the indicator outside its healthy band too: a trend alone opens nothing.
  const rulTriggered =
    rul !== undefined && rul.upperH < alerts.rulHorizonH && healthIndex < alerts.clearAbove;
  const step = detectorStep(
    input.detector,
    { timeUs: endUs, healthIndex, triggered: rulTriggered, severity },
    {
      openBelow: alerts.openBelow,
      clearAbove: alerts.clearAbove,
      minDurationUs: alerts.minDurationS * US_PER_S,
    },
  );
  if (step.action === undefined || step.severity === undefined)
    return { detector: step.state, decision: undefined };
  const details: Record<string, string> = {
    healthIndex: healthIndex.toFixed(1),
    operatingHours: input.operatingHours.toFixed(2),
  };
  for (const a of assessments) {
    details[`${a.signal}.value`] = `${a.level.toFixed(3)} ${a.unit}`;
    details[`${a.signal}.health`] = a.healthIndex.toFixed(1);
    details[`${a.signal}.z`] = a.z.toFixed(2);
    details[`${a.signal}.ewma`] = `${a.ewma.toFixed(2)} (limit ${a.ewmaLimit.toFixed(2)})`;
    details[`${a.signal}.cusum`] = a.cusumScore.toFixed(2);
    if (a.zone !== '') details[`${a.signal}.zone`] = a.zone;
  }
  if (multivariate !== undefined) {
    details['mahalanobis.d2'] = multivariate.distanceSquared.toFixed(2);
    details['mahalanobis.ratio'] = multivariate.ratio.toFixed(2);
    details['mahalanobis.dominant'] = multivariate.dominantFeature;
  }
  if (rul !== undefined)
    details['rul.h'] = `${rul.estimateH.toFixed(0)} [${rul.lowerH.toFixed(0)}, ${rul.upperH.toFixed(0)}]`;
  const zoneText = worst.zone === '' ? '' : `, zone ${worst.zone}`;
  const rulText =
    rul === undefined
      ? ''
      : `, RUL ${rul.estimateH.toFixed(0)} h of operation (${rul.lowerH.toFixed(0)}-${rul.upperH.toFixed(0)})`;
  const decision: AlertDecision = {
    action: step.action,
    cause: CONDITION_DEGRADATION,
    signal: worst.signal,
    severity: step.severity,
    message: `condition degradation of ${assetId}: ${worst.signal} ${worst.level.toFixed(2)} ${worst.unit}${zoneText}, ${worst.z.toFixed(1)} sigma from baseline towards failure, health ${healthIndex.toFixed(0)}${rulText}`,
    timeUs: endUs,
    healthIndex,
    rul,
    details,
  };
  return { detector: step.state, decision };
}

function severityOf(
  healthIndex: number,
  rul: RulEstimate | undefined,
  zone: string,
  alerts: PdmConfig['alerts'],
): AlertSeverityName {
  if (
    healthIndex < alerts.criticalBelow ||
    zone === 'D' ||
    (rul !== undefined && rul.lowerH < alerts.criticalRulH)
  ) {
    return 'critical';
  }
  if (healthIndex < alerts.warningBelow || (rul !== undefined && rul.estimateH < alerts.rulHorizonH))
    return 'warning';
  return 'info';
}
