// docs/architecture.md section 5: event time is the source time unless the source clock is off by more than the configured
// skew (or the source gives no time); then it is the receive time.

export type EventTimeBasis = 'source' | 'receive-skew' | 'receive-missing';

export interface EventTime {
  readonly timeUs: number;
  readonly basis: EventTimeBasis;
}

export function eventTimeOf(sourceTimeUs: number, receiveTimeUs: number, maxClockSkewUs: number): EventTime {
  if (sourceTimeUs <= 0) return { timeUs: receiveTimeUs, basis: 'receive-missing' };
  if (Math.abs(sourceTimeUs - receiveTimeUs) > maxClockSkewUs)
    return { timeUs: receiveTimeUs, basis: 'receive-skew' };
  return { timeUs: sourceTimeUs, basis: 'source' };
}
