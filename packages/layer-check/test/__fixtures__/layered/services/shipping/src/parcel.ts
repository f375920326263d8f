// parcel.ts and rates.ts name each other's types only: erased at compile time, not a module cycle.
import type { Rate } from './rates';

export interface Parcel {
  readonly kg: number;
  readonly rate?: Rate;
}
