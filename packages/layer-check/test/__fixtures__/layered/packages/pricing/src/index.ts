import { TOPIC } from '@fixture/contracts';

export const priceTopic = `${TOPIC}.price`;
