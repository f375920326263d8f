// The resilience primitives of the outbox sender, from cockatiel (3.x: CommonJS, Node >= 16).
export {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  halfJitterGenerator,
  handleWhen,
  isBrokenCircuitError,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import type { CircuitState, circuitBreaker, timeout } from 'cockatiel';

export type CircuitStateValue = (typeof CircuitState)[keyof typeof CircuitState];
export type CircuitBreakerPolicy = ReturnType<typeof circuitBreaker>;
export type TimeoutPolicy = ReturnType<typeof timeout>;
