// A service that needs a tool to run: tool-at-run-time.
import { simulatedOrders } from '@fixture/factory-sim';

export const shippingCost = (): number => simulatedOrders().length;
