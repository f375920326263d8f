// Routes kafkajs's own log lines into the service's structured logger.
import { logLevel, type logCreator } from 'kafkajs';
import type { BusLogger } from '../types';

export function kafkaLogCreator(logger: BusLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...fields } = log;
      const entry = { component: 'kafkajs', namespace, ...fields };
      switch (level) {
        case logLevel.ERROR:
          // kafkajs reports rebalances and retried requests as errors; the bus decides what is an error.
          logger.warn(entry, message);
          break;
        case logLevel.WARN:
          logger.warn(entry, message);
          break;
        case logLevel.INFO:
          logger.debug(entry, message);
          break;
        default:
          logger.debug(entry, message);
      }
    };
}
