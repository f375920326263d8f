// node-opcua prints its warnings and errors to the console, which would interleave with the JSON logs. This
// sends them to the service's logger instead. The setting is process-wide (the simulator's server shares it),
// so a composition root calls it once.
import { setErrorLogger, setWarningLogger } from 'node-opcua';
import type { Logger } from '@kiln/service-kit';

export function routeOpcuaLogs(logger: Logger): void {
  const log = logger.child({ component: 'node-opcua' });
  const text = (args: unknown[]): string =>
    args
      .filter((arg) => !isCallerContext(arg))
      .map((arg) =>
        typeof arg === 'string' ? arg : arg instanceof Error ? arg.message : JSON.stringify(arg),
      )
      .join(' ');
  setWarningLogger((...args: unknown[]) => log.warn(text(args)));
  setErrorLogger((...args: unknown[]) => log.error(text(args)));
}

/** node-opcua passes `{ filename, callerline }` first. */
function isCallerContext(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && 'callerline' in arg && 'filename' in arg;
}
