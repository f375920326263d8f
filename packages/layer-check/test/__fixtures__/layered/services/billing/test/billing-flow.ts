// An end-to-end test starts the service upstream and feeds it from the simulator.
import { simulatedOrders } from '@fixture/factory-sim';
import { shippingCost } from '@fixture/shipping';
import { invoiceTotal } from '../src/index';

export const total = invoiceTotal(simulatedOrders().length + shippingCost());
