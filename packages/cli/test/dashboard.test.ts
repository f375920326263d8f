// The live dashboard of `kiln start` in a real headless browser (Debian's chromium driven by playwright-core):
// the page at / loads without a key, takes the key from #key=, shows every simulated machine with its state and
// timeline, and shows for each the very OEE, A, P and Q of the open shift that GET /api/v1/oee/live answers, the
// health that GET /api/v1/assets/{id}/health answers, the running order against the target quantity that
// GET /api/v1/orders/{id} answers (the simulated factory's ERP, read by erp-sync), and the open alerts of
// GET /api/v1/alerts.
// The stream it follows needs the key like the API, and an open stream does not keep kiln start from stopping.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PLANT_CONFIG, parsePlannedStops, plannedStopEnd } from '@kiln/simulator';
import { isCi, waitUntil } from '@kiln/test-infra';
import { chromium, type Browser, type Page } from 'playwright-core';
import { exitWithin, freePort, httpStatus, KILN_MAIN, run, waitForReady } from './support';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The embedded factory: 2 lines x 4 machines. */
const MACHINES = 8;
/** Ten times real time: states change and parts are made within seconds (as in start.test.ts). */
const SPEED = 10;
const MINUTE_MS = 60_000;

/**
 * The simulated clock's start: the latest whole minute up to now after which the default plant has no planned
 * stop for an hour. Started inside one (all machines stopped, so none is scored for its health) the test would
 * depend on the time of day it runs; an hour covers the test at SPEED. Within the dashboard's 4 h timeline.
 */
function startClearOfPlannedStops(nowMs: number): number {
  const stops = parsePlannedStops(DEFAULT_PLANT_CONFIG.plannedStops);
  const clear = (startMs: number): boolean =>
    Array.from({ length: 61 }, (_, minute) => startMs + minute * MINUTE_MS).every(
      (timeMs) => plannedStopEnd(stops, timeMs) === undefined,
    );
  let startMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  while (!clear(startMs)) startMs -= MINUTE_MS;
  return startMs;
}

/** Like describeWith for a browser: in CI a missing chromium fails the suite; elsewhere it is skipped, loudly. */
function describeWithChromium(title: string, suite: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, suite);
    return;
  }
  const what = `${title} needs chromium at ${CHROMIUM} (apt-get install chromium)`;
  if (isCi()) {
    describe(title, () => {
      it('has the browser it needs', () => {
        throw new Error(what);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPED: ${what} ***\n`);
  describe.skip(title, suite);
}

interface ShiftFigures {
  windowStart: string;
  windowRef: string;
  oee: number | null;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  totalCount: number | null;
  /** Shift time without data: before kiln start saw the machine. */
  offlineTimeS: number | null;
}

interface LiveResult extends Omit<ShiftFigures, 'totalCount' | 'offlineTimeS'> {
  window: string;
  totalCount: number;
  offlineTimeS: number;
}

async function getJson<T>(base: string, path: string, key: string): Promise<T> {
  const response = await fetch(`${base}/api/v1${path}`, {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface HealthFigures {
  healthIndex: number;
  baselineReady: boolean;
}

/** The API's newest health score of a machine; null before its first (404). */
async function apiHealth(base: string, key: string, assetId: string): Promise<HealthFigures | null> {
  const response = await fetch(`${base}/api/v1/assets/${encodeURIComponent(assetId)}/health`, {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status === 404) return null;
  if (response.status !== 200)
    throw new Error(`health of ${assetId}: ${response.status} ${await response.text()}`);
  const { healthIndex, baselineReady } = (await response.json()) as HealthFigures;
  return { healthIndex, baselineReady };
}

/** What a machine's card shows of its health: the raw figures, the number on screen and the learning note. */
async function pageHealth(
  page: Page,
  assetId: string,
): Promise<{ healthIndex: string; baselineReady: string; text: string; learning: boolean } | null> {
  return page.evaluate(`(() => {
    const health = document.querySelector('article.machine[data-asset-id=${JSON.stringify(assetId)}] .health');
    if (health === null || health.dataset.scored !== 'true') return null;
    return {
      healthIndex: health.dataset.healthIndex,
      baselineReady: health.dataset.baselineReady,
      text: health.querySelector('.value').textContent,
      learning: !health.querySelector('.learning').hidden,
    };
  })()`);
}

/** What a machine's card shows of its running order: its id, the target quantity and the text. */
async function pageOrder(
  page: Page,
  assetId: string,
): Promise<{ orderId: string; targetQuantity: string; text: string } | null> {
  return page.evaluate(`(() => {
    const counts = document.querySelector('article.machine[data-asset-id=${JSON.stringify(assetId)}] .order-counts');
    if (counts === null) return null;
    return {
      orderId: counts.dataset.orderId ?? '',
      targetQuantity: counts.dataset.targetQuantity ?? '',
      text: counts.querySelector('.text').textContent,
    };
  })()`);
}

/** The ERP's operation of an order on a machine, as GET /api/v1/orders/{id} answers; undefined when unknown. */
async function apiOperation(
  base: string,
  key: string,
  orderId: string,
  assetId: string,
): Promise<{ targetQuantity: number; quantityUnit: string } | undefined> {
  const response = await fetch(`${base}/api/v1/orders/${encodeURIComponent(orderId)}`, {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status === 404) return undefined;
  if (response.status !== 200)
    throw new Error(`order ${orderId}: ${response.status} ${await response.text()}`);
  const { operations } = (await response.json()) as {
    operations: { assetId: string | null; targetQuantity: number; quantityUnit: string }[];
  };
  return operations.find((operation) => operation.assetId === assetId);
}

/** The API's live result of the open shift of a machine, in the figures the page shows. */
async function apiShift(base: string, key: string, assetId: string): Promise<ShiftFigures | undefined> {
  const { results } = await getJson<{ results: LiveResult[] }>(
    base,
    `/oee/live?assetId=${encodeURIComponent(assetId)}`,
    key,
  );
  const shift = results.find((result) => result.window === 'shift');
  if (shift === undefined) return undefined;
  const { windowStart, windowRef, oee, availability, performance, quality, totalCount, offlineTimeS } = shift;
  return { windowStart, windowRef, oee, availability, performance, quality, totalCount, offlineTimeS };
}

/** The raw figures the page holds in data-* attributes for a machine's open shift. */
async function pageShift(page: Page, assetId: string): Promise<ShiftFigures | undefined> {
  // A string runs in the page (these tests compile without the DOM library); one evaluation reads all figures
  // at once, so they belong to one snapshot.
  const raw = await page.evaluate<Record<string, string> | null>(`(() => {
    const card = document.querySelector('article.machine[data-asset-id=${JSON.stringify(assetId)}]');
    const oee = card?.querySelector('.oee')?.dataset;
    const counts = card?.querySelector('.shift-counts')?.dataset;
    if (oee === undefined || counts === undefined || oee.window !== 'shift') return null;
    return { ...oee, totalCount: counts.totalCount };
  })()`);
  if (raw === null) return undefined;
  const numberOf = (text: string | undefined): number | null =>
    text === undefined || text === '' ? null : Number(text);
  return {
    windowStart: raw['windowStart'] ?? '',
    windowRef: raw['windowRef'] ?? '',
    oee: numberOf(raw['oee']),
    availability: numberOf(raw['availability']),
    performance: numberOf(raw['performance']),
    quality: numberOf(raw['quality']),
    totalCount: numberOf(raw['totalCount']),
    offlineTimeS: numberOf(raw['offlineTimeS']),
  };
}

describeWithChromium('the live dashboard of kiln start', () => {
  it('shows every simulated machine with the OEE, A, P and Q of its open shift, its health and the open alerts that the API answers', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const scratch = mkdtempSync(join(tmpdir(), 'kiln-dashboard-'));
    const dataDir = join(scratch, 'data');
    const config = join(scratch, 'kiln.yaml');
    writeFileSync(
      config,
      [
        'simulator:',
        `  startTime: '${new Date(startClearOfPlannedStops(Date.now())).toISOString()}'`,
        // The sped-up clock runs ahead of the real one; its stamps stay the event times.
        'normalization:',
        '  maxClockSkewMs: 86400000',
        '',
      ].join('\n'),
    );
    const kiln = run(KILN_MAIN, ['start', '--config', config], {
      KILN_SIMULATOR_OPCUA_PORT: '0',
      KILN_GRPC_PORT: '0',
      KILN_DATA_DIR: dataDir,
      KILN_HTTP_HOST: '127.0.0.1',
      KILN_HTTP_PORT: String(port),
      KILN_SIMULATOR_SPEED_FACTOR: String(SPEED),
    });
    let browser: Browser | undefined;
    const openStream = new AbortController();
    try {
      await waitForReady(base, kiln, 60_000);
      await waitUntil(() => kiln.stdout().includes('Admin key'), { timeoutMs: 10_000, what: 'the banner' });
      const key = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();

      // The page is public (it holds no data); the stream it follows is not.
      const page = await httpStatus(`${base}/`);
      expect(page?.status).toBe(200);
      expect(page?.body).toContain('/dashboard/dashboard.js');
      expect((await httpStatus(`${base}/dashboard/dashboard.js`))?.status).toBe(200);
      const machineIds = (
        await getJson<{ items: { id: string }[] }>(base, '/assets?level=asset&pageSize=1000', key)
      ).items.map((asset) => asset.id);
      expect(machineIds).toHaveLength(MACHINES);
      const streamUrl = `${base}/api/v1/stream?${machineIds.map((id) => `assetId=${encodeURIComponent(id)}`).join('&')}`;
      expect((await httpStatus(streamUrl))?.status).toBe(401);

      // Every machine has a live result of its open shift before the browser looks.
      await waitUntil(
        async () => {
          const shifts = await Promise.all(machineIds.map((id) => apiShift(base, key, id)));
          return shifts.every((shift) => shift !== undefined && shift.oee !== null);
        },
        {
          timeoutMs: 90_000,
          intervalMs: 1_000,
          what: 'live OEE of the open shift of every machine',
          describe: () => kiln.stdout().slice(-1_500),
        },
      );

      // Predictive maintenance scores each machine once per feature window; the first scores come within a minute.
      let unscored: string[] = [];
      await waitUntil(
        async () => {
          const scores = await Promise.all(machineIds.map((id) => apiHealth(base, key, id)));
          unscored = machineIds.filter((_, index) => scores[index] === null);
          return unscored.length === 0;
        },
        {
          timeoutMs: 120_000,
          intervalMs: 1_000,
          what: 'a health score of every machine',
          describe: () => `not scored yet: ${unscored.join(', ')}`,
        },
      );

      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      // The page's Content-Security-Policy forbids eval; the test's own string probes need it.
      const tab = await (await browser.newContext({ bypassCSP: true })).newPage();
      const pageErrors: string[] = [];
      tab.on('pageerror', (error) => pageErrors.push(error.message));
      // The banner's dashboard link hands the admin key to the page.
      const link = /Dashboard {2}(\S+)/.exec(kiln.stdout())?.[1];
      expect(link).toBe(`${base}/#key=${encodeURIComponent(key)}`);
      await tab.goto(link ?? base);
      // The key leaves the address at once.
      expect(tab.url()).not.toContain('key=');
      // Every machine with its state, the figures of its open shift and a timeline.
      await tab.waitForFunction(
        `(() => {
          const cards = [...document.querySelectorAll('article.machine')];
          return cards.length === ${MACHINES} && cards.every((card) =>
            card.dataset.state !== undefined &&
            card.querySelector('.oee').dataset.window === 'shift' &&
            Number(card.querySelector('.timeline .bar').dataset.intervals ?? '0') > 0);
        })()`,
        undefined,
        { timeout: 30_000 },
      );
      const shown = await tab.evaluate<string[]>(
        `[...document.querySelectorAll('article.machine')].map((card) => card.dataset.assetId)`,
      );
      expect([...shown].sort()).toEqual([...machineIds].sort());
      expect(await tab.textContent('#status')).toMatch(/^Live/);

      // Live figures move; each machine's page figures must meet the API's while both describe the same result.
      for (const assetId of machineIds) {
        // The API read just before or just after the page's figures: one of them is the result the page shows.
        let last: { shown?: ShiftFigures; before?: ShiftFigures; after?: ShiftFigures } = {};
        const same = (a?: ShiftFigures, b?: ShiftFigures): boolean =>
          a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
        await waitUntil(
          async () => {
            const before = await apiShift(base, key, assetId);
            const shown = await pageShift(tab, assetId);
            const after = await apiShift(base, key, assetId);
            last = { ...(shown && { shown }), ...(before && { before }), ...(after && { after }) };
            return same(shown, before) || same(shown, after);
          },
          {
            timeoutMs: 30_000,
            intervalMs: 250,
            what: `the page to show the API's OEE of the open shift of ${assetId}`,
            describe: () => JSON.stringify(last),
          },
        );
        const { shown: shownFigures } = last;
        expect(shownFigures).toEqual(same(shownFigures, last.before) ? last.before : last.after);
        // The percentages on screen are the same figures, rounded; a figure without a value is a dash.
        for (const kpi of ['oee', 'availability', 'performance', 'quality'] as const) {
          const value = shownFigures?.[kpi] ?? null;
          const text = await tab
            .locator(`article.machine[data-asset-id="${assetId}"] [data-kpi="${kpi}"]`)
            .textContent();
          expect(text).toBe(value === null ? '—' : `${(value * 100).toFixed(1)} %`);
        }
        // The shift's time without data (before kiln start saw the machine) is said under the figures.
        const offlineMin = Math.floor((shownFigures?.offlineTimeS ?? 0) / 60);
        const windowText = await tab
          .locator(`article.machine[data-asset-id="${assetId}"] .window`)
          .textContent();
        if (offlineMin === 0) expect(windowText).not.toContain('no data');
        else {
          const said =
            offlineMin < 60 ? `${offlineMin} min` : `${Math.floor(offlineMin / 60)} h ${offlineMin % 60} min`;
          expect(windowText).toContain(` · no data for ${said} of it`);
        }
      }

      // Health: at this speed every machine still learns its baseline (its first 8 operating hours), so the API
      // answers 100 with the baseline not ready, and each card shows that figure and says it is learning.
      for (const assetId of machineIds) {
        const api = await apiHealth(base, key, assetId);
        expect(api).toEqual({ healthIndex: 100, baselineReady: false });
        let shownHealth: Awaited<ReturnType<typeof pageHealth>> = null;
        await waitUntil(
          async () => {
            shownHealth = await pageHealth(tab, assetId);
            return shownHealth !== null;
          },
          { timeoutMs: 40_000, intervalMs: 250, what: `the health of ${assetId} on its card` },
        );
        expect(shownHealth).toEqual({
          healthIndex: String(api?.healthIndex),
          baselineReady: String(api?.baselineReady),
          text: api?.healthIndex.toFixed(0),
          learning: api?.baselineReady === false,
        });
      }

      // Each machine's running order against the target quantity of its ERP operation.
      for (const assetId of machineIds) {
        let last: { shown?: Awaited<ReturnType<typeof pageOrder>>; target?: number; unit?: string } = {};
        await waitUntil(
          async () => {
            const shown = await pageOrder(tab, assetId);
            last = { shown };
            if (shown === null || shown.orderId === '' || shown.targetQuantity === '') return false;
            const operation = await apiOperation(base, key, shown.orderId, assetId);
            if (operation === undefined) return false;
            last = { shown, target: operation.targetQuantity, unit: operation.quantityUnit };
            return String(operation.targetQuantity) === shown.targetQuantity;
          },
          {
            timeoutMs: 60_000,
            intervalMs: 500,
            what: `the target quantity of the running order of ${assetId} on its card`,
            describe: () => JSON.stringify(last),
          },
        );
        expect(last.shown?.text).toMatch(
          new RegExp(
            `^Order ${last.shown?.orderId}( \\(.+\\))?: [\\d,]+ of ${last.target} ${last.unit} made, [\\d,]+ good$`,
          ),
        );
      }

      // The alerts panel lists the very open and acknowledged alerts of the API: none yet, and it says so.
      const alerts = await getJson<{ items: { alertId: string }[] }>(
        base,
        '/alerts?status=open,acknowledged&pageSize=1000',
        key,
      );
      expect(alerts.items).toEqual([]);
      await tab.waitForFunction(`document.querySelector('#alerts')?.dataset.alertCount === '0'`, undefined, {
        timeout: 40_000,
      });
      expect(await tab.isVisible('#alerts')).toBe(true);
      expect(await tab.locator('#alerts .list li').count()).toBe(0);
      expect(await tab.isVisible('#alerts .none')).toBe(true);
      expect(await tab.textContent('#alerts .none')).toBe('No open alerts.');
      expect(pageErrors).toEqual([]);

      // The stream itself: server-sent events with the key in the header, a snapshot of every machine at once.
      const response = await fetch(streamUrl, {
        headers: { authorization: `Bearer ${key}` },
        signal: openStream.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body?.getReader();
      let received = '';
      while (reader !== undefined && !received.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) break;
        received += new TextDecoder().decode(value);
      }
      expect(received).toMatch(/^event: snapshot\ndata: /);
      const snapshot = JSON.parse(received.split('\n')[1]?.slice('data: '.length) ?? '{}') as {
        machines: { assetId: string; state: { state: string } | null }[];
      };
      expect(snapshot.machines.map((machine) => machine.assetId)).toEqual(machineIds);
      expect(snapshot.machines.every((machine) => machine.state !== null)).toBe(true);
      const unknown = await fetch(`${base}/api/v1/stream?assetId=acme%2Fnowhere`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(unknown.status).toBe(404);
      // The browser's stream and this one stay open while kiln start stops.
    } finally {
      kiln.child.kill('SIGINT');
    }
    try {
      const { code } = await exitWithin(kiln, 15_000);
      expect(code).toBe(0);
    } finally {
      openStream.abort();
      await browser?.close();
    }
  }, 240_000);
});
