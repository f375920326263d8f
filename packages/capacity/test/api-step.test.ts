import { apiFigures, apiVerdict } from '../src/api/api-result';
import type { ApiStepResult } from '../src/api/api-step';
import { LATEST_PATH, latestAnswer, latestPaths, valuesIn } from '../src/api/latest-request';
import { latestSourcesIn, memoryPercent } from '../src/api/latest-sources';
import type { ApiWindowCounts } from '../src/api/protocol';
import { readOptions } from '../src/options';
import {
  apiBoxFloorLine,
  apiFloorLine,
  apiSummaryLine,
  apiVerdictLine,
  renderApiStep,
  resultsJson,
} from '../src/report';
import type { StepResult } from '../src/steps';

const window: ApiWindowCounts = {
  seconds: 10,
  sent: 10_000,
  answered: 10_000,
  non2xx: 0,
  errors: 0,
  incomplete: 0,
  skipped: 0,
  latenciesMs: Array.from({ length: 10_000 }, (_, i) => (i < 9_900 ? 2 : 30)),
  lastError: '',
};

describe('latest-value requests of the API step', () => {
  it('asks for one asset per request, its first signals, asset after asset', () => {
    const paths = latestPaths(3, 50, 10);
    expect(paths).toHaveLength(3);
    const first = new URL(`http://x${paths[0] ?? ''}`);
    expect(first.pathname).toBe(LATEST_PATH);
    expect(first.searchParams.getAll('signal')).toEqual(
      Array.from({ length: 10 }, (_, s) => `e2e/site/area/line/a0/s${s}`),
    );
    expect(new URL(`http://x${paths[2] ?? ''}`).searchParams.get('signal')).toBe('e2e/site/area/line/a2/s0');
  });

  it('asks for no more signals than an asset has', () => {
    const [path] = latestPaths(1, 3, 10);
    expect(new URL(`http://x${path ?? ''}`).searchParams.getAll('signal')).toHaveLength(3);
  });

  it('counts the values of an answer and tells a body that is none', () => {
    expect(valuesIn('{"values":[{"signal":"a/b"},{"signal":"a/c"}]}')).toBe(2);
    expect(valuesIn('{"values":[]}')).toBe(0);
    expect(valuesIn('{"type":"about:blank"}')).toBe(-1);
    expect(valuesIn('<html>')).toBe(-1);
  });

  it("builds the box floor's answer in the gateway's shape, as long as the gateway's of as many values", () => {
    expect(valuesIn(latestAnswer(10))).toBe(10);
    expect(latestAnswer(0)).toBe('{"values":[]}');
    const [value] = (JSON.parse(latestAnswer(1)) as { values: Record<string, unknown>[] }).values;
    expect(Object.keys(value ?? {})).toEqual(['signal', 'time', 'value', 'valueText', 'quality']);
    // A gateway answer of 10 signals of a generated asset is ~1 KB: the floor carries the same bytes.
    expect(latestAnswer(10).length).toBeGreaterThan(900);
  });
});

describe('API step figures and verdict', () => {
  it('takes rates per second of the window and nearest-rank percentiles of every answer', () => {
    const figures = apiFigures(1000, window);
    expect(figures.answeredPerS).toBe(1000);
    expect(figures.sentPerS).toBe(1000);
    expect(figures.latency).toEqual({ count: 10_000, p50: 2, p99: 2, max: 30 });
  });

  it('does not count non-2xx answers as answered', () => {
    expect(apiFigures(1000, { ...window, non2xx: 500 }).answeredPerS).toBe(950);
  });

  it('meets the target with p99 under 10 ms at the asked rate beside sustained ingestion', () => {
    expect(apiVerdict(apiFigures(1000, window), true)).toEqual({ met: true, why: '' });
  });

  it('misses it at a p99 of 10 ms or more', () => {
    const slow = { ...window, latenciesMs: window.latenciesMs.map((ms, i) => (i >= 9_800 ? 10 : ms)) };
    expect(apiVerdict(apiFigures(1000, slow), true)).toEqual({ met: false, why: 'p99 >= 10 ms' });
  });

  it('misses it when the rate is not answered, requests fail or values are missing', () => {
    const few = { ...window, sent: 9_000, answered: 9_000, latenciesMs: window.latenciesMs.slice(0, 9_000) };
    expect(apiVerdict(apiFigures(1000, few), true).why).toBe('rate not answered');
    expect(apiVerdict(apiFigures(1000, { ...window, errors: 3 }), true).why).toBe('failed requests');
    expect(apiVerdict(apiFigures(1000, { ...window, incomplete: 1 }), true).why).toBe('values missing');
  });

  it('misses it when ingestion beside it was not sustained, however fast the answers', () => {
    expect(apiVerdict(apiFigures(1000, window), false)).toEqual({ met: false, why: 'ingest not sustained' });
  });

  it('has no p99 to judge without answers', () => {
    const none = { ...window, answered: 0, latenciesMs: [] };
    expect(apiVerdict(apiFigures(1000, none), true).why).toBe('no answers, rate not answered');
  });
});

describe('API step report', () => {
  const ingest: StepResult = {
    offeredPerS: 60_000,
    sentPerS: 60_000,
    acceptedPerS: 60_000,
    failedPerS: 0,
    skippedPerS: 0,
    storedPerS: 60_000,
    windowStoredPerS: 59_800,
    lagStartRecords: 1,
    lagEndRecords: 2,
    cpu: new Map([
      ['gateway', 41],
      ['api client', 12],
    ]),
    machineCpu: 190,
    latency: { count: 10, p50: 200, p99: 400, max: 500 },
    verdict: { sustained: true, why: '' },
    rollups: undefined,
    memory: [],
    eventLoopP99Ms: undefined,
    lastError: '',
  };
  const api = apiFigures(1000, window);
  const step: ApiStepResult = {
    apiRatePerS: 1000,
    signalsPerRequest: 10,
    server: 'gateway',
    serverCpu: 41,
    clientCpu: 12,
    api,
    fromMemoryPercent: undefined,
    ingest,
    verdict: apiVerdict(api, true),
  };

  it('prints the step in the words of the acceptance, with a verdict line', () => {
    expect(apiSummaryLine('services, http', step)).toContain(
      'at 1,000 req/s while ingesting 60,000 samples/s: p50 2.0 ms, p99 2.0 ms',
    );
    expect(apiVerdictLine('services, http', step)).toBe(
      'services, http: p99 < 10 ms at 1,000 req/s while ingesting: met',
    );
    expect(renderApiStep(step).split('\n')[0]).toContain('gateway %');
  });

  it('says how many signals the gateway answered from memory, where its counters say', () => {
    expect(renderApiStep(step).split('\n')[2]).toMatch(/ {2}- {2}/);
    const remembered = { ...step, fromMemoryPercent: 99.25 };
    expect(renderApiStep(remembered).split('\n')[2]).toContain('99.3');
    expect(apiSummaryLine('services, http', remembered)).toContain(
      ", 99.3 % of signals from the gateway's memory",
    );
    expect(apiSummaryLine('services, http', step)).not.toContain('memory');
  });

  it('prints the floor beside it, the same client on GET /healthz', () => {
    const withFloor = { ...step, floor: { api: apiFigures(1000, window), serverCpu: 20 } };
    expect(apiSummaryLine('services, http', withFloor)).toContain(
      '; GET /healthz beside the same ingest (the floor): p50 2.0 ms, p99 2.0 ms',
    );
    expect(apiSummaryLine('services, http', step)).not.toContain('healthz');
    expect(apiFloorLine(withFloor.floor, 'gateway')).toMatch(
      /^floor, the same client on GET \/healthz .*: p50 2\.0 ms, p99 2\.0 ms, .*gateway 20 % CPU$/,
    );
  });

  it('prints the box floor, a bare server beside the same ingest, and says when it missed the target too', () => {
    const slowWindow = { ...window, latenciesMs: window.latenciesMs.map((ms, i) => (i >= 9_800 ? 40 : ms)) };
    const slow = apiFigures(1000, slowWindow);
    const missed = { ...step, api: slow, verdict: apiVerdict(slow, true) };
    const quietBox = { ...missed, boxFloor: { api: apiFigures(1000, window), serverCpu: 5 } };
    const busyBox = { ...missed, boxFloor: { api: slow, serverCpu: 5 } };
    expect(apiSummaryLine('services, http', quietBox)).toContain(
      '; a bare Node HTTP server beside the same ingest (the box floor): p50 2.0 ms, p99 2.0 ms',
    );
    expect(apiVerdictLine('services, http', quietBox)).toBe(
      'services, http: p99 < 10 ms at 1,000 req/s while ingesting: NOT met (p99 >= 10 ms)',
    );
    expect(apiVerdictLine('services, http', busyBox)).toBe(
      'services, http: p99 < 10 ms at 1,000 req/s while ingesting: NOT met (p99 >= 10 ms); ' +
        'the box floor missed it too (bare server p99 40.0 ms)',
    );
    expect(apiBoxFloorLine(quietBox.boxFloor)).toMatch(
      /^box floor, the same client on a bare Node HTTP server .*: p50 2\.0 ms, p99 2\.0 ms, .*bare server 5 % CPU$/,
    );
  });

  it('puts the step in --json without the single latencies', () => {
    const json = JSON.parse(
      JSON.stringify(
        resultsJson(
          [
            {
              mode: 'services, http',
              steps: [],
              sustainedMaxPerS: 120_000,
              latencyStep: ingest,
              apiStep: step,
            },
          ],
          { copy: [], kafka: undefined },
        ),
      ),
    ) as {
      modes: Array<{ apiStep: { api: Record<string, unknown>; ingest: { cpu: Record<string, number> } } }>;
    };
    const apiStep = json.modes[0]?.apiStep;
    expect(apiStep?.ingest.cpu['gateway']).toBe(41);
    expect(apiStep?.api['latency']).toEqual({ count: 10_000, p50: 2, p99: 2, max: 30 });
    expect(apiStep?.api['latenciesMs']).toBeUndefined();
  });
});

describe("the gateway's latest-value counters", () => {
  const exposition = (memory: number, hotState: number) =>
    [
      '# HELP kiln_gateway_latest_signals_total Signals of latest-value requests, by where the answer came from.',
      '# TYPE kiln_gateway_latest_signals_total counter',
      `kiln_gateway_latest_signals_total{from="memory"} ${memory}`,
      `kiln_gateway_latest_signals_total{from="hot-state"} ${hotState}`,
      'kiln_gateway_requests_total{transport="rest",route="/healthz",outcome="200"} 7',
    ].join('\n');

  it('reads both series, zero where one is absent', () => {
    expect(latestSourcesIn(exposition(900, 100))).toEqual({ memory: 900, hotState: 100 });
    expect(latestSourcesIn('kiln_gateway_latest_signals_total{from="hot-state"} 5\n')).toEqual({
      memory: 0,
      hotState: 5,
    });
  });

  it("gives the window's share from memory, unknown when a reading failed or nothing was asked", () => {
    const before = latestSourcesIn(exposition(900, 100));
    expect(memoryPercent(before, latestSourcesIn(exposition(10_800, 200)))).toBeCloseTo(99, 9);
    expect(memoryPercent(before, undefined)).toBeUndefined();
    expect(memoryPercent(before, before)).toBeUndefined();
  });
});

describe('the API step setting', () => {
  it('asks 1,000 req/s by default, and KILN_E2E_API_RATE=0 leaves the step out', () => {
    expect(readOptions({}, []).apiRate).toBe(1000);
    expect(readOptions({ KILN_E2E_API_RATE: '0' }, []).apiRate).toBe(0);
    expect(readOptions({ KILN_E2E_API_RATE: '2500' }, []).apiRate).toBe(2500);
    expect(() => readOptions({ KILN_E2E_API_RATE: '-1' }, [])).toThrow('KILN_E2E_API_RATE');
  });
});
