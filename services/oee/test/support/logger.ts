import { createLogger, type Logger } from '@kiln/service-kit';

/** Quiet unless KILN_TEST_LOG_LEVEL asks for more. */
export function testLogger(): Logger {
  const level = process.env['KILN_TEST_LOG_LEVEL'] ?? 'silent';
  return createLogger({
    service: 'oee-test',
    level: level === 'debug' ? 'debug' : level === 'info' ? 'info' : 'silent',
  });
}
