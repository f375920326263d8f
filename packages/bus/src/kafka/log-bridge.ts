// Routes kafkajs's own log lines into the service's structured logger, repeated lines collapsed: while a broker is
// away kafkajs reports every connection attempt of every client (several a second), which would bury the log.
import { logLevel, type logCreator } from 'kafkajs';
import type { BusLogger } from '../types';

export interface KafkaLogBridgeOptions {
  /** A line is written once per window; the next after the window says how many were left out (default 30 s). */
  readonly repeatWindowMs?: number;
  readonly now?: () => number;
}

interface Seen {
  firstAtMs: number;
  suppressed: number;
}

const DEFAULT_REPEAT_WINDOW_MS = 30_000;
// Lines seen at most remembered; beyond it the oldest are forgotten (a line is then written again at once).
const MAX_REMEMBERED_LINES = 1_000;

export function kafkaLogCreator(logger: BusLogger, options: KafkaLogBridgeOptions = {}): logCreator {
  const windowMs = options.repeatWindowMs ?? DEFAULT_REPEAT_WINDOW_MS;
  const now = options.now ?? Date.now;
  const seen = new Map<string, Seen>();
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...fields } = log;
      const line = `${level}|${namespace}|${message}`;
      const nowMs = now();
      const previous = seen.get(line);
      if (previous !== undefined && nowMs - previous.firstAtMs < windowMs) {
        previous.suppressed += 1;
        return;
      }
      const repeated = previous?.suppressed ?? 0;
      seen.delete(line);
      seen.set(line, { firstAtMs: nowMs, suppressed: 0 });
      if (seen.size > MAX_REMEMBERED_LINES) {
        const oldest = seen.keys().next();
        if (oldest.done !== true) seen.delete(oldest.value);
      }
      const entry = {
        component: 'kafkajs',
        namespace,
        ...fields,
        ...(repeated > 0 ? { repeatedSinceLastLine: repeated } : {}),
      };
      switch (level) {
        case logLevel.ERROR:
          // kafkajs reports rebalances and retried requests as errors; the bus decides what is an error.
          logger.warn(entry, message);
          break;
        case logLevel.WARN:
          logger.warn(entry, message);
          break;
        default:
          logger.debug(entry, message);
      }
    };
}
