// The API step (issue 17): the load generator ingests at the latency step's rate while the API client asks the
// gateway for latest values at a fixed rate; one measured window for both, so the ingest figures and the API
// latency describe the same seconds.
import type { StepResult, StepRunner } from '../steps';
import { apiFigures, apiVerdict, type ApiFigures, type ApiVerdict } from './api-result';
import type { ApiClientProcess } from './control';
import { memoryPercent, readLatestSources, type LatestSources } from './latest-sources';

export interface ApiStepResult {
  /** Latest-value requests per second asked for. */
  readonly apiRatePerS: number;
  /** The signals each request asks for. */
  readonly signalsPerRequest: number;
  /** The process serving the API, whose CPU the step reports (`gateway`, or `kiln` in one process). */
  readonly server: string;
  readonly serverCpu: number | undefined;
  readonly clientCpu: number | undefined;
  readonly api: ApiFigures;
  /**
   * Percent of the asked signals the server answered from its memory (read from Redis at most
   * gateway.latest.maxAgeMs before) rather than reading the hot state on the request's path; undefined: unknown.
   */
  readonly fromMemoryPercent: number | undefined;
  /**
   * The same client at the same rate on `GET /healthz` (no credential, no Redis, no database) beside the same
   * ingest: what the box itself adds to any answer of the gateway process while the pipeline holds its cores.
   */
  readonly floor?: FloorFigures | undefined;
  /**
   * The same client at the same rate on a bare Node HTTP server of the bench's own (no framework), beside the
   * same ingest: what the box gives the answers of any Node process then, the reference for the target itself.
   */
  readonly boxFloor?: FloorFigures | undefined;
  /** The ingest side in the same window, as in the other steps. */
  readonly ingest: StepResult;
  readonly verdict: ApiVerdict;
}

/** A floor's window: the client's figures and the CPU of the process that answered. */
export interface FloorFigures {
  readonly api: ApiFigures;
  readonly serverCpu: number | undefined;
}

export async function runApiStep(
  runner: StepRunner,
  client: ApiClientProcess,
  setup: {
    ingestRate: number;
    apiRate: number;
    signalsPerRequest: number;
    server: string;
    /** The server's Prometheus metrics, for the share answered from memory; undefined: not a gateway. */
    metricsUrl: string | undefined;
  },
): Promise<ApiStepResult> {
  client.setRate(setup.apiRate);
  let collected: Promise<Awaited<ReturnType<ApiClientProcess['collect']>>> | undefined;
  let sourcesBefore: Promise<LatestSources | undefined> = Promise.resolve(undefined);
  let sourcesAfter: Promise<LatestSources | undefined> = Promise.resolve(undefined);
  let ingest: StepResult;
  try {
    ingest = await runner.step(setup.ingestRate, {
      started: () => {
        client.mark();
        if (setup.metricsUrl !== undefined) sourcesBefore = readLatestSources(setup.metricsUrl);
      },
      ended: () => {
        collected = client.collect();
        if (setup.metricsUrl !== undefined) sourcesAfter = readLatestSources(setup.metricsUrl);
      },
    });
  } finally {
    client.setRate(0);
  }
  if (collected === undefined) throw new Error('the API step ended without a measured window');
  const api = apiFigures(setup.apiRate, await collected);
  return {
    apiRatePerS: setup.apiRate,
    signalsPerRequest: setup.signalsPerRequest,
    server: setup.server,
    serverCpu: ingest.cpu.get(setup.server),
    clientCpu: ingest.cpu.get(API_CLIENT_GROUP),
    api,
    fromMemoryPercent: memoryPercent(await sourcesBefore, await sourcesAfter),
    ingest,
    verdict: apiVerdict(api, ingest.verdict.sustained),
  };
}

/** The CPU group of the API client process. */
export const API_CLIENT_GROUP = 'api client';
