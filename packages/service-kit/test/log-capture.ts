// A pino destination that keeps every line in memory, parsed, so tests read logs as data.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../src';

export interface CapturedLogs {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
  /** All output as text, as an operator would read it on stdout. */
  text(): string;
}

export function captureLogs(service = 'test-service'): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = chunk.toString();
      raw.push(text);
      for (const line of text.split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: createLogger({ service, level: 'debug', destination }), lines, text: () => raw.join('') };
}
