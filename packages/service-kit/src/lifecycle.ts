// The life of a service process: start components in order; on SIGTERM/SIGINT or a fatal error stop them in
// reverse order within a drain budget and a hard deadline; exit 0 only when everything stopped cleanly.
import type { Logger } from 'pino';
import { errorMessage } from './error-message';

/** Handed to `Stoppable.stop`: how much time is left and when to give up on in-flight work. */
export interface StopContext {
  /** Aborted when the drain budget is spent: stop waiting for in-flight batches, close now. */
  readonly drainSignal: AbortSignal;
  /** Milliseconds until the hard deadline, when the process exits regardless. */
  readonly remainingMs: number;
}

/** A started component that must be stopped on shutdown. */
export interface Stoppable {
  /** Named in logs, and in the error when it does not stop in time. */
  readonly name: string;
  /** Called on every component as soon as shutdown begins, before any `stop` (e.g. `/readyz` -> 503). */
  markShuttingDown?(): void;
  stop(context: StopContext): Promise<void>;
}

/** What `start` gets to register components and to end the service from inside. */
export interface ServiceLifecycle {
  /** Registers a started component; components stop in reverse order of registration. */
  add<T extends Stoppable>(component: T): T;
  /** Begins a graceful shutdown (exit code 0 when it completes cleanly). */
  shutdown(reason: string): void;
  /** Reports an unrecoverable error: logs it and shuts down with exit code 1. */
  fail(error: unknown): void;
}

/** The process events `runService` listens to; `process` in production, an EventEmitter in tests. */
export type ProcessEvents = Pick<NodeJS.EventEmitter, 'on' | 'off'>;

export interface RunServiceOptions {
  readonly name: string;
  readonly logger: Logger;
  /** Starts components in order, registering each with `lifecycle.add` right after it started. */
  start(lifecycle: ServiceLifecycle): Promise<void>;
  /** Default 8000: when `StopContext.drainSignal` fires. */
  readonly drainTimeoutMs?: number;
  /** Default 10000: the whole shutdown must finish within this, or the process exits with code 1. */
  readonly hardTimeoutMs?: number;
  readonly signals?: readonly NodeJS.Signals[];
  /** Default `process.exit`. */
  readonly exit?: (code: number) => void;
  /** Default `process`. */
  readonly processEvents?: ProcessEvents;
}

/**
 * Runs a service until it is told to stop. Resolves with the exit code after calling `exit` with it.
 * A failing `start` (say a `ConfigError`) is logged with its message, started components are stopped,
 * and the code is 1. A second signal during shutdown exits at once with code 1.
 */
export function runService(options: RunServiceOptions): Promise<number> {
  const { logger, name } = options;
  const drainTimeoutMs = options.drainTimeoutMs ?? 8000;
  const hardTimeoutMs = options.hardTimeoutMs ?? 10_000;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const events = options.processEvents ?? process;

  const components: Stoppable[] = [];
  const drain = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  let exitCode = 0;
  let shutdownStarted = false;
  let exited = false;
  /** What shutdown is waiting for, to name it if the hard deadline passes. */
  let pending = 'start';
  let resolveExited: (code: number) => void = () => undefined;
  const exitedPromise = new Promise<number>((resolve) => {
    resolveExited = resolve;
  });
  let markStartSettled: () => void = () => undefined;
  // Shutdown waits for `start` to settle, so a component still starting is registered before stopping begins.
  const startSettled = new Promise<void>((resolve) => {
    markStartSettled = resolve;
  });

  const finish = (code: number): void => {
    if (exited) return;
    exited = true;
    timers.forEach(clearTimeout);
    for (const signal of signals) events.off(signal, onSignal);
    events.off('uncaughtException', fail);
    events.off('unhandledRejection', fail);
    exit(code);
    resolveExited(code);
  };

  const beginShutdown = (code: number): void => {
    exitCode = Math.max(exitCode, code);
    if (shutdownStarted) return;
    shutdownStarted = true;
    const deadline = Date.now() + hardTimeoutMs;
    timers.push(
      setTimeout(() => drain.abort(), drainTimeoutMs),
      setTimeout(() => {
        logger.fatal(
          { component: pending, hardTimeoutMs },
          `${name} did not stop within ${hardTimeoutMs} ms: ${pending} hung; exiting`,
        );
        finish(1);
      }, hardTimeoutMs),
    );
    void startSettled.then(() => stopAll(deadline)).then(() => finish(exitCode));
  };

  const stopAll = async (deadline: number): Promise<void> => {
    const reversed = [...components].reverse();
    for (const component of reversed) {
      try {
        component.markShuttingDown?.();
      } catch (error) {
        logger.warn(
          { err: error, component: component.name },
          `${component.name} could not be marked as stopping`,
        );
      }
    }
    for (const component of reversed) {
      if (exited) return;
      pending = component.name;
      const startedAt = Date.now();
      try {
        await component.stop({ drainSignal: drain.signal, remainingMs: Math.max(0, deadline - startedAt) });
        logger.info(
          { component: component.name, durationMs: Date.now() - startedAt },
          `${component.name} stopped`,
        );
      } catch (error) {
        exitCode = 1;
        logger.error(
          { err: error, component: component.name },
          `${component.name} failed to stop: ${errorMessage(error)}`,
        );
      }
    }
    if (!exited) logger.info({ exitCode }, `${name} stopped`);
  };

  function onSignal(signal: NodeJS.Signals): void {
    if (shutdownStarted) {
      logger.warn({ signal, component: pending }, `${signal} again during shutdown; exiting now`);
      finish(1);
      return;
    }
    logger.info({ signal }, `${signal} received; shutting down ${name}`);
    beginShutdown(0);
  }

  function fail(error: unknown): void {
    logger.fatal({ err: error }, `${name} failed: ${errorMessage(error)}`);
    beginShutdown(1);
  }

  for (const signal of signals) events.on(signal, onSignal);
  events.on('uncaughtException', fail);
  events.on('unhandledRejection', fail);

  const lifecycle: ServiceLifecycle = {
    add: (component) => {
      components.push(component);
      return component;
    },
    shutdown: (reason) => {
      logger.info({ reason }, `shutting down ${name}: ${reason}`);
      beginShutdown(0);
    },
    fail,
  };

  const startedAt = Date.now();
  (async () => options.start(lifecycle))()
    .then(
      () => {
        if (shutdownStarted) return;
        pending = 'running';
        const names = components.map((component) => component.name);
        logger.info({ startupMs: Date.now() - startedAt, components: names }, `${name} started`);
      },
      (error: unknown) => {
        logger.fatal({ err: error }, `${name} failed to start: ${errorMessage(error)}`);
        beginShutdown(1);
      },
    )
    .finally(markStartSettled);

  return exitedPromise;
}
