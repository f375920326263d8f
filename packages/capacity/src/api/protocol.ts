// Messages between the bench and its API client, a child process of its own (like the load generator) so that
// its CPU shows apart and its event loop is not the bench's, whose pollers would delay the timing of answers.

export interface ApiClientSetup {
  /** The gateway's REST base, e.g. http://127.0.0.1:8080. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Paths with query, requested in turn. */
  readonly paths: readonly string[];
  /** Most connections open at once; requests due while all are busy wait in the agent's queue (and that counts). */
  readonly maxConnections: number;
  /** Signals each request asks for: an answer with fewer values counts as incomplete. */
  readonly signalsPerRequest: number;
}

export type ToApiClient =
  | { readonly type: 'setup'; readonly setup: ApiClientSetup }
  | { readonly type: 'rate'; readonly requestsPerS: number }
  /** Starts the measured window: what was recorded so far is dropped. */
  | { readonly type: 'mark' }
  /** Ends the window: the client answers with a `window` message. */
  | { readonly type: 'collect' }
  | { readonly type: 'stop' };

/** What the client saw in the window between `mark` and `collect`. */
export interface ApiWindowCounts {
  readonly seconds: number;
  /** Requests issued (handed to the agent). */
  readonly sent: number;
  /** Answers received, any status. */
  readonly answered: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** 200 answers with fewer values than signals asked for (the gateway does not see the data). */
  readonly incomplete: number;
  /** Requests due but given up, more than a second behind (the client could not keep the pace). */
  readonly skipped: number;
  /** Latency of each answer in the window, ms, from issuing the request to the end of the answer. */
  readonly latenciesMs: readonly number[];
  readonly lastError: string;
}

export type FromApiClient =
  { readonly type: 'ready' } | { readonly type: 'window'; readonly counts: ApiWindowCounts };

/** The bare server (the box floor) is sent `setup` and answers `ready` with the port it listens on. */
export type ToBareServer =
  /** `values`: the values in every answer (those the step asks the gateway for). */
  { readonly type: 'setup'; readonly values: number } | { readonly type: 'stop' };

export type FromBareServer = { readonly type: 'ready'; readonly port: number };
