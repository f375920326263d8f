import type { Parcel } from './parcel';

export type Rate = number;
export const parcelRate = (parcel: Parcel): Rate => parcel.kg * 4;
