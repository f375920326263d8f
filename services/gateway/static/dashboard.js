// Kiln's live dashboard: the machines of the plant with their current state and for how long, the live OEE of
// the open shift (A, P, Q), counts of the shift and the running order (against the order's target quantity where
// the ERP sent the order), and the state timeline of the last hours
// with stop reasons, and from predictive maintenance each machine's health and remaining useful life and the
// open or acknowledged alerts (read every 30 s). It calls the REST API with the key the user gives (kept in local storage, or passed once as
// #key=... in the address) and follows GET /api/v1/stream with fetch(), so the key stays in a header.
// Every figure shown also sits raw in a data-* attribute, for scripts and tests.

const API = '/api/v1';
const KEY_STORAGE = 'kiln.apiKey';
const TIMELINE_HOURS = 4;
const TIMELINE_REFRESH_MS = 30_000;
const MAINTENANCE_REFRESH_MS = 30_000;
const STREAM_INTERVAL_S = 3;
const RECONNECT_MS = 3_000;
const STOPS_LISTED = 5;
/** An order the ERP did not know is asked for again after this long (erp-sync may not have read it yet). */
const ORDER_RECHECK_MS = 15_000;

const $ = (selector, root = document) => {
  const element = root.querySelector(selector);
  if (element === null) throw new Error(`the page has no ${selector}`);
  return element;
};

const status = $('#status');
const machinesRoot = $('#machines');
const keyForm = $('#key-form');
const keyInput = $('#key-input');
const keyProblem = $('#key-problem');
const forgetKey = $('#forget-key');
const template = $('#machine-template');
const alertsRoot = $('#alerts');
$('#timeline-hours').textContent = String(TIMELINE_HOURS);

/** Machines by asset id: their card and what is known of them. */
const machines = new Map();
/** Server time minus browser time, from the last snapshot: durations follow the gateway's clock. */
let clockOffsetMs = 0;
let session;

class Unauthorized extends Error {}
class NotFound extends Error {}

// ---- the key ----------------------------------------------------------------------------------------------

function keyFromAddress() {
  const match = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (match === null) return undefined;
  // The key leaves the address at once: not in history, not in a bookmark, not in a shared screenshot.
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(match[1]);
}

function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? undefined;
  } catch {
    return undefined;
  }
}

function storeKey(key) {
  try {
    if (key === undefined) localStorage.removeItem(KEY_STORAGE);
    else localStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Private windows may refuse storage: the key then lasts as long as the page.
  }
}

function askForKey(problem) {
  session?.abort();
  session = undefined;
  keyProblem.textContent = problem ?? '';
  keyForm.hidden = false;
  forgetKey.hidden = true;
  setStatus('closed', 'An API key is needed to show the plant.');
  keyInput.focus();
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (key === '') return;
  storeKey(key);
  keyInput.value = '';
  start(key);
});

forgetKey.addEventListener('click', () => {
  storeKey(undefined);
  machines.clear();
  machinesRoot.replaceChildren();
  alertsRoot.hidden = true;
  $('.list', alertsRoot).replaceChildren();
  askForKey();
});

// ---- the API ----------------------------------------------------------------------------------------------

async function getJson(key, path, signal) {
  const response = await fetch(`${API}${path}`, {
    headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    signal,
  });
  if (response.status === 401 || response.status === 403) throw new Unauthorized(await detailOf(response));
  if (response.status === 404) throw new NotFound(`${path}: ${await detailOf(response)}`);
  if (!response.ok) throw new Error(`${path}: ${await detailOf(response)}`);
  return response.json();
}

async function detailOf(response) {
  try {
    const problem = await response.json();
    return typeof problem.detail === 'string' ? problem.detail : `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

/** Every page of a list. */
async function listAll(key, path, signal) {
  const items = [];
  let cursor;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await getJson(
      key,
      `${path}${separator}pageSize=1000${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      signal,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

// ---- formatting -------------------------------------------------------------------------------------------

const percent = (ratio) => (ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)} %`);
const raw = (value) => (value === null || value === undefined ? '' : String(value));
// Whole numbers: a count straddling a shift or order boundary is prorated by time, so windows hold fractions of
// parts (the API gives them exact); the dashboard shows parts.
const count = (value) => new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 }).format(value);
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const dateTime = (ms) =>
  new Date(ms).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const hours = (h) => (h < 10 ? h.toFixed(1) : h.toFixed(0));
const minutes = (m) => (m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`);

function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

const stateLabel = (state) => state.replaceAll('_', ' ').toLowerCase();
const reasonOf = (interval) =>
  [interval.reasonCode, interval.reasonText].filter((part) => part !== '').join(' · ');

function setStatus(stream, text) {
  status.dataset.stream = stream;
  status.textContent = text;
}

// ---- the machines -----------------------------------------------------------------------------------------

function addMachine(asset) {
  const card = template.content.firstElementChild.cloneNode(true);
  const name = asset.name || asset.id.split('/').at(-1);
  card.dataset.assetId = asset.id;
  $('.name', card).textContent = name;
  $('.path', card).textContent = asset.id;
  $('.path', card).title = asset.id;
  machinesRoot.append(card);
  // orders: what the ERP says of each order seen running here: { operation, checkedMs }, operation null when the
  // ERP did not know it, undefined while asked.
  machines.set(asset.id, { card, name, state: undefined, order: undefined, orders: new Map() });
}

function showState(machine, interval) {
  const { card } = machine;
  const badge = $('.badge', card);
  if (interval === null) {
    delete card.dataset.state;
    badge.textContent = 'no state yet';
    return;
  }
  card.dataset.state = interval.state;
  badge.dataset.state = interval.state;
  badge.textContent = stateLabel(interval.state);
  card.dataset.stateSince = interval.start;
  const reason = reasonOf(interval);
  $('.reason', card).textContent =
    interval.state === 'RUNNING' ? '' : reason === '' ? 'no reason given' : reason;
  machine.state = interval;
}

function tickDurations() {
  const now = Date.now() + clockOffsetMs;
  for (const { card, state } of machines.values()) {
    if (state === undefined) continue;
    $('.since', card).textContent = `for ${duration(now - Date.parse(state.start))}`;
  }
}

function showOee(machine, live) {
  const { card } = machine;
  const shift = live.find((result) => result.window === 'shift');
  const order = live.find((result) => result.window === 'order');
  const section = $('.oee', card);
  for (const kpi of ['oee', 'availability', 'performance', 'quality']) {
    const value = shift?.[kpi] ?? null;
    const element = $(`[data-kpi="${kpi}"]`, section);
    element.textContent = percent(value);
    section.dataset[kpi] = raw(value);
  }
  section.dataset.window = shift === undefined ? '' : 'shift';
  section.dataset.windowStart = shift?.windowStart ?? '';
  section.dataset.windowRef = shift?.windowRef ?? '';
  section.dataset.offlineTimeS = raw(shift?.offlineTimeS);
  // Shift time without data (before Kiln first saw the machine, or OFFLINE) lowers availability: say how much.
  const offlineMin = Math.floor((shift?.offlineTimeS ?? 0) / 60);
  $('.window', card).textContent =
    shift === undefined
      ? 'No open shift'
      : `Shift${shift.windowRef === '' ? '' : ` ${shift.windowRef}`} since ${clock(Date.parse(shift.windowStart))}` +
        (offlineMin > 0 ? ` · no data for ${minutes(offlineMin)} of it` : '');

  const shiftCounts = $('.shift-counts', card);
  shiftCounts.dataset.totalCount = raw(shift?.totalCount);
  shiftCounts.dataset.goodCount = raw(shift?.goodCount);
  shiftCounts.dataset.scrapCount = raw(shift?.scrapCount);
  shiftCounts.textContent =
    shift === undefined
      ? ''
      : `Shift: ${count(shift.totalCount)} made, ${count(shift.goodCount)} good, ${count(shift.scrapCount)} scrap`;

  machine.order = order;
  showOrderCounts(machine);
}

/** The running order's counts, against its target quantity once the ERP's operation is known. */
function showOrderCounts(machine) {
  const { card, order } = machine;
  const operation = order === undefined ? undefined : machine.orders.get(order.windowRef)?.operation;
  const orderCounts = $('.order-counts', card);
  orderCounts.dataset.orderId = order?.windowRef ?? '';
  orderCounts.dataset.totalCount = raw(order?.totalCount);
  orderCounts.dataset.goodCount = raw(order?.goodCount);
  orderCounts.dataset.targetQuantity = raw(operation?.targetQuantity);
  $('.fill', orderCounts).style.width =
    operation?.targetQuantity > 0
      ? `${Math.min(100, (order.totalCount / operation.targetQuantity) * 100)}%`
      : '0%';
  $('.meter', orderCounts).hidden = !(operation?.targetQuantity > 0);
  const material = operation?.materialDescription || operation?.material || '';
  $('.text', orderCounts).textContent =
    order === undefined
      ? 'No running order'
      : operation === undefined || operation === null
        ? `Order ${order.windowRef || '(no id)'}: ${count(order.totalCount)} made, ${count(order.goodCount)} good`
        : `Order ${order.windowRef}${material === '' ? '' : ` (${material})`}: ${count(order.totalCount)} of ` +
          `${count(operation.targetQuantity)} ${operation.quantityUnit} made, ${count(order.goodCount)} good`;
}

/**
 * What the ERP says of a machine's running order, read once per order: its operation on the machine (else its
 * first), or null while erp-sync has not read the order (no ERP, a manual order number, not synced yet; asked
 * again after ORDER_RECHECK_MS).
 */
async function loadOrder(key, machine, orderId, signal) {
  if (orderId === '') return;
  const known = machine.orders.get(orderId);
  if (known !== undefined && (known.operation !== null || Date.now() - known.checkedMs < ORDER_RECHECK_MS)) {
    return;
  }
  machine.orders.set(orderId, { operation: undefined, checkedMs: Date.now() });
  let operation = null;
  try {
    const { operations } = await getJson(key, `/orders/${encodeURIComponent(orderId)}`, signal);
    const assetId = machine.card.dataset.assetId;
    operation = operations.find((op) => op.assetId === assetId) ?? operations[0] ?? null;
  } catch (error) {
    if (!(error instanceof NotFound)) {
      machine.orders.delete(orderId); // asked again with the next snapshot
      throw error;
    }
  }
  machine.orders.set(orderId, { operation, checkedMs: Date.now() });
  showOrderCounts(machine);
}

async function loadTimeline(key, assetId, signal) {
  const machine = machines.get(assetId);
  if (machine === undefined) return;
  const nowMs = Date.now() + clockOffsetMs;
  const fromMs = nowMs - TIMELINE_HOURS * 3_600_000;
  // Up to an hour ahead too: sources whose clock runs ahead of the gateway's (a sped-up simulation) stay visible.
  const toMs = nowMs + 3_600_000;
  const query = `assetId=${encodeURIComponent(assetId)}&from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`;
  const intervals = await listAll(key, `/states?${query}`, signal);
  drawTimeline(machine, intervals, fromMs, nowMs);
}

function drawTimeline(machine, intervals, fromMs, nowMs) {
  const { card } = machine;
  const newest = intervals.at(-1);
  const endMs = Math.max(nowMs, newest === undefined ? nowMs : Date.parse(newest.start));
  const spanMs = endMs - fromMs;
  const bar = $('.timeline .bar', card);
  const segments = intervals.map((interval) => {
    const startMs = Math.max(fromMs, Date.parse(interval.start));
    const stopMs = interval.end === null ? endMs : Math.min(endMs, Date.parse(interval.end));
    const segment = document.createElement('div');
    segment.className = 'segment';
    segment.dataset.state = interval.state;
    segment.style.left = `${((startMs - fromMs) / spanMs) * 100}%`;
    segment.style.width = `${(Math.max(0, stopMs - startMs) / spanMs) * 100}%`;
    const reason = reasonOf(interval);
    segment.title = `${stateLabel(interval.state)} ${clock(Date.parse(interval.start))}${reason === '' ? '' : ` — ${reason}`}`;
    return segment;
  });
  bar.replaceChildren(...segments);
  bar.dataset.intervals = String(intervals.length);
  $('.axis-start', card).textContent = clock(fromMs);
  $('.axis-end', card).textContent = clock(endMs);

  const stops = intervals
    .filter((interval) => interval.state !== 'RUNNING')
    .slice(-STOPS_LISTED)
    .reverse();
  $('.stops', card).replaceChildren(
    ...stops.map((stop) => {
      const item = document.createElement('li');
      item.dataset.state = stop.state;
      const when = document.createElement('span');
      when.className = 'when';
      when.textContent = clock(Date.parse(stop.start));
      const what = document.createElement('span');
      const reason = reasonOf(stop);
      const lasted = stop.durationS === null ? 'ongoing' : duration(stop.durationS * 1000);
      what.textContent = `${stateLabel(stop.state)}, ${lasted}${reason === '' ? ', no reason given' : ` — ${reason}`}`;
      item.append(when, what);
      return item;
    }),
  );
}

// ---- maintenance ------------------------------------------------------------------------------------------

/** ISO 10816-3 zones run from A (new machine) to D (damage): the worst is the last letter. */
const worstZone = (signals) =>
  signals
    .map((signal) => signal.zone)
    .filter((zone) => zone !== '')
    .sort()
    .at(-1) ?? '';

const healthLevel = (healthIndex) => (healthIndex >= 70 ? 'good' : healthIndex >= 40 ? 'fair' : 'poor');

/** The newest health score of a machine; 404 means not scored yet, which is said quietly on the card. */
async function loadHealth(key, assetId, signal) {
  const machine = machines.get(assetId);
  if (machine === undefined) return;
  try {
    showHealth(machine, await getJson(key, `/assets/${encodeURIComponent(assetId)}/health`, signal));
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
    showHealth(machine, null);
  }
}

function showHealth(machine, health) {
  const section = $('.health', machine.card);
  const zone = health === null ? '' : worstZone(health.signals);
  section.dataset.scored = String(health !== null);
  section.dataset.healthIndex = raw(health?.healthIndex);
  section.dataset.baselineReady = raw(health?.baselineReady);
  section.dataset.time = health?.time ?? '';
  section.dataset.zone = zone;
  section.dataset.rulEstimateH = raw(health?.rul?.estimateH);
  section.dataset.rulLowerH = raw(health?.rul?.lowerH);
  section.dataset.rulUpperH = raw(health?.rul?.upperH);
  section.dataset.level = health === null ? '' : healthLevel(health.healthIndex);
  $('.fill', section).style.width =
    `${health === null ? 0 : Math.min(100, Math.max(0, health.healthIndex))}%`;
  $('.value', section).textContent = health === null ? 'no score yet' : health.healthIndex.toFixed(0);
  $('.learning', section).hidden = health === null || health.baselineReady;
  $('.zone', section).textContent = zone === '' ? '' : `zone ${zone}`;
  const rul = health?.rul ?? null;
  $('.rul', section).textContent =
    rul === null
      ? ''
      : `Remaining useful life ${hours(rul.estimateH)} h (${hours(rul.lowerH)}–${hours(rul.upperH)} h)`;
}

async function loadAlerts(key, signal) {
  try {
    showAlerts(await listAll(key, '/alerts?status=open,acknowledged', signal));
    $('.problem', alertsRoot).textContent = '';
  } catch (error) {
    if (error instanceof Unauthorized || signal.aborted) throw error;
    $('.problem', alertsRoot).textContent =
      `Cannot read the alerts: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function showAlerts(alerts) {
  alertsRoot.hidden = false;
  alertsRoot.dataset.alertCount = String(alerts.length);
  $('.none', alertsRoot).hidden = alerts.length > 0;
  $('.list', alertsRoot).replaceChildren(
    ...alerts.map((alert) => {
      const item = document.createElement('li');
      item.dataset.alertId = alert.alertId;
      item.dataset.assetId = alert.assetId;
      item.dataset.severity = alert.severity;
      item.dataset.status = alert.status;
      item.dataset.openedTime = alert.openedTime;
      const severity = document.createElement('span');
      severity.className = 'severity';
      severity.dataset.severity = alert.severity;
      severity.textContent = alert.severity;
      const machine = document.createElement('span');
      machine.className = 'machine-name';
      machine.textContent = machines.get(alert.assetId)?.name ?? alert.assetId;
      machine.title = alert.assetId;
      const message = document.createElement('span');
      message.className = 'message';
      message.textContent = alert.message;
      const when = document.createElement('span');
      when.className = 'when';
      when.textContent = `${alert.status === 'acknowledged' ? 'acknowledged, ' : ''}opened ${dateTime(Date.parse(alert.openedTime))}`;
      item.append(severity, machine, message, when);
      return item;
    }),
  );
}

// ---- the stream -------------------------------------------------------------------------------------------

/** Server-sent events from a fetch() body: calls onEvent(name, data) per event until the body ends. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}

function applySnapshot(key, snapshot, signal) {
  clockOffsetMs = Date.parse(snapshot.time) - Date.now();
  for (const entry of snapshot.machines) {
    const machine = machines.get(entry.assetId);
    if (machine === undefined) continue;
    const before = machine.state?.start;
    showState(machine, entry.state);
    showOee(machine, entry.live);
    if (machine.order !== undefined) {
      loadOrder(key, machine, machine.order.windowRef, signal).catch(() => undefined);
    }
    // A new state: its start belongs on the timeline now, not at the next refresh.
    if (before !== undefined && entry.state !== null && entry.state.start !== before) {
      loadTimeline(key, entry.assetId, signal).catch(() => undefined);
    }
  }
  tickDurations();
  setStatus('open', `Live · ${machines.size} machines · updated ${new Date().toLocaleTimeString()}`);
}

async function follow(key, assetIds, signal) {
  const query = assetIds.map((id) => `assetId=${encodeURIComponent(id)}`).join('&');
  while (!signal.aborted) {
    try {
      const response = await fetch(`${API}/stream?${query}&intervalS=${STREAM_INTERVAL_S}`, {
        headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
        signal,
      });
      if (response.status === 401 || response.status === 403)
        throw new Unauthorized(await detailOf(response));
      if (!response.ok || response.body === null) throw new Error(await detailOf(response));
      await readEvents(response.body, (name, data) => {
        if (name === 'snapshot') applySnapshot(key, data, signal);
        else if (name === 'problem') setStatus('open', `Live, with a problem: ${data.detail}`);
      });
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof Unauthorized) return askForKey(error.message);
      setStatus('closed', `Reconnecting… (${error instanceof Error ? error.message : String(error)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}

// ---- start ------------------------------------------------------------------------------------------------

async function start(key) {
  session?.abort();
  const controller = new AbortController();
  session = controller;
  const { signal } = controller;
  keyForm.hidden = true;
  forgetKey.hidden = false;
  setStatus('closed', 'Loading the machines…');
  try {
    const assets = await listAll(key, '/assets?level=asset', signal);
    machines.clear();
    machinesRoot.replaceChildren();
    for (const asset of assets) addMachine(asset);
    machinesRoot.dataset.machineCount = String(machines.size);
    if (machines.size === 0) {
      setStatus('closed', 'This key sees no machines (assets of level asset).');
      return;
    }
    const ids = [...machines.keys()];
    void follow(key, ids, signal);
    const refresh = () =>
      Promise.all(ids.map((id) => loadTimeline(key, id, signal))).catch((error) => {
        if (error instanceof Unauthorized) askForKey(error.message);
      });
    void refresh();
    const timer = setInterval(refresh, TIMELINE_REFRESH_MS);
    const maintenance = () =>
      Promise.all([loadAlerts(key, signal), ...ids.map((id) => loadHealth(key, id, signal))]).catch(
        (error) => {
          if (error instanceof Unauthorized) askForKey(error.message);
        },
      );
    void maintenance();
    const maintenanceTimer = setInterval(maintenance, MAINTENANCE_REFRESH_MS);
    const ticker = setInterval(tickDurations, 1_000);
    signal.addEventListener('abort', () => {
      clearInterval(timer);
      clearInterval(maintenanceTimer);
      clearInterval(ticker);
    });
  } catch (error) {
    if (signal.aborted) return;
    if (error instanceof Unauthorized) return askForKey(error.message);
    setStatus(
      'closed',
      `Cannot load the machines: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

const key = keyFromAddress() ?? storedKey();
if (key === undefined) askForKey();
else {
  storeKey(key);
  start(key);
}
