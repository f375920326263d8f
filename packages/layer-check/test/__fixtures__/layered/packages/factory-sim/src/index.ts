import { TOPIC } from '@fixture/contracts';

export const simulatedOrders = (): number[] => [TOPIC.length];
