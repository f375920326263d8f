// A core package reaching up into a service: upward-import.
import { invoiceTotal } from '@fixture/billing';

export const discounted = (amount: number): number => invoiceTotal(amount) * 0.9;
