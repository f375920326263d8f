// A service importing another service: service-imports-service.
import { shippingCost } from '@fixture/shipping';
import { invoiceTotal } from './invoice';

export { invoiceTotal };
export const totalWithShipping = (amount: number): number => invoiceTotal(amount) + shippingCost();
