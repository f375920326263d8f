import { TOPIC } from '@fixture/contracts';
import { priceTopic } from '@fixture/pricing';

export const invoiceTotal = (amount: number): number => amount + TOPIC.length + priceTopic.length;
