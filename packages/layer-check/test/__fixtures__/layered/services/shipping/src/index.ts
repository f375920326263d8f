import { parcelRate } from './rates';

export const shippingCost = (): number => parcelRate({ kg: 1 });
