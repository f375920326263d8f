// The app runs every service.
import { invoiceTotal } from '@fixture/billing';
import { shippingCost } from '@fixture/shipping';

export const commands = [invoiceTotal, shippingCost];
