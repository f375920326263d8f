// Maintenance alerts and asset health through REST and gRPC against real PostgreSQL: alerts stored by the
// maintenance store are listed, filtered and paged the same through both APIs; an operator acknowledges and
// resolves one and its new state is published on kiln.maintenance.alert.v1 with the caller as actor; the life
// cycle's refusals (404, 409) and the credential's limits (403, another site sees nothing); an asset's latest
// health and its series.
import { status } from '@grpc/grpc-js';
import type { BusRecord } from '@kiln/bus';
import { AlertStatus, api, MaintenanceAlert, topics } from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { MaintenanceStore, type AssetHealthRow, type NewAlert } from '@kiln/timeseries';
import { failure, insecure, invoke } from '../grpc/support';
import { assetPath, restHarness, type RestHarness } from '../support/harness';

const PRESS = 'acme/plant-1/pressing/line-1/press-1';
const PUMP = 'acme/plant-1/utilities/line-2/pump-1';
const ROBOT = 'acme/plant-2/welding/line-9/robot-1';
const T0_US = Date.UTC(2026, 10, 30, 6) * 1000;
const MINUTE = 60_000_000;
const iso = (us: number): string => new Date(us / 1000).toISOString();

const newAlert = (alertId: string, assetId: string, cause: string, minute: number): NewAlert => ({
  alertId,
  assetId,
  cause,
  signal: 'vibration_velocity_rms',
  severity: minute % 2 === 0 ? 'warning' : 'critical',
  message: `${cause} on ${assetId}`,
  openedTimeUs: T0_US + minute * MINUTE,
  healthIndex: 70 - minute,
  rul: minute === 0 ? undefined : { estimateH: 100, lowerH: 60, upperH: 180 },
  details: { zone: 'C' },
});

interface AlertJson {
  alertId: string;
  assetId: string;
  status: string;
  actor: string;
  resolvedTime: string | null;
  details: Record<string, string>;
}
interface AlertPage {
  items: AlertJson[];
  nextCursor?: string;
}

describeWith(['postgres', 'redis'], 'REST and gRPC maintenance alerts and asset health', () => {
  let h: RestHarness;
  let store: MaintenanceStore;
  let grpc: api.AlertServiceClient;
  let reader: string;
  let operator: string;
  let plant2: string;
  const published: BusRecord[] = [];

  beforeAll(async () => {
    h = await restHarness();
    store = new MaintenanceStore(h.database.db, h.database.schema);
    grpc = new api.AlertServiceClient(h.grpcAddress, insecure());
    reader = (await h.keys.create('acme/plant-1', 'reader')).token;
    operator = (await h.keys.create('acme/plant-1', 'operator', 'line lead')).token;
    plant2 = (await h.keys.create('acme/plant-2', 'operator')).token;
    await h.bus.subscribe({
      groupId: 'watch-alerts',
      topics: [topics.maintenanceAlert.name],
      handler: async (batch) => {
        published.push(...batch.records);
      },
    });
    // Press: 4 causes, pump: 3, robot (plant 2): 2, one a minute apart so the order is the opened time.
    const seeds: [string, string, string, number][] = [
      ['press-a', PRESS, 'vibration-zone-c', 0],
      ['pump-a', PUMP, 'cavitation', 1],
      ['press-b', PRESS, 'bearing-degradation', 2],
      ['robot-a', ROBOT, 'current-imbalance', 3],
      ['press-c', PRESS, 'temperature-drift', 4],
      ['pump-b', PUMP, 'vibration-zone-d', 5],
      ['press-d', PRESS, 'misalignment', 6],
      ['pump-c', PUMP, 'seal-leak', 7],
      ['robot-b', ROBOT, 'gearbox-wear', 8],
    ];
    for (const [id, asset, cause, minute] of seeds) await store.openAlert(newAlert(id, asset, cause, minute));
    await store.resolveAlert('pump-a', 'key:someone', 'replaced impeller', T0_US + 60 * MINUTE);
  });

  afterAll(async () => {
    grpc.close();
    await h.stop();
  });

  const list = async (query: string, key?: string): Promise<AlertPage> => {
    const response = await h.call('GET', `/api/v1/alerts${query}`, key === undefined ? {} : { key });
    expect(response.statusCode).toBe(200);
    return response.json<AlertPage>();
  };

  it('lists alerts newest first within the site, filtered by asset and status', async () => {
    const all = await list('', reader);
    expect(all.items.map((a) => a.alertId)).toEqual([
      'pump-c',
      'press-d',
      'pump-b',
      'press-c',
      'press-b',
      'pump-a',
      'press-a',
    ]);
    expect((await list('')).items).toHaveLength(9);
    expect(
      (await list(`?assetId=${encodeURIComponent(PRESS)}&status=open`)).items.map((a) => a.alertId),
    ).toEqual(['press-d', 'press-c', 'press-b', 'press-a']);
    const resolvedOrOpen = await list(`?siteId=acme/plant-1&status=resolved,open&status=acknowledged`);
    expect(resolvedOrOpen.items).toHaveLength(7);
    expect((await list('?status=resolved')).items).toEqual([
      expect.objectContaining({
        alertId: 'pump-a',
        status: 'resolved',
        actor: 'key:someone',
        resolvedTime: iso(T0_US + 60 * MINUTE),
        details: { zone: 'C', comment: 'replaced impeller' },
      }),
    ]);
    const [first] = (await list(`?assetId=${encodeURIComponent(PRESS)}&pageSize=1&status=open`)).items;
    expect(first).toEqual({
      alertId: 'press-d',
      assetId: PRESS,
      cause: 'misalignment',
      signal: 'vibration_velocity_rms',
      severity: 'warning',
      status: 'open',
      message: `misalignment on ${PRESS}`,
      openedTime: iso(T0_US + 6 * MINUTE),
      updatedTime: iso(T0_US + 6 * MINUTE),
      resolvedTime: null,
      healthIndex: 64,
      rul: { estimateH: 100, lowerH: 60, upperH: 180 },
      actor: '',
      details: { zone: 'C' },
    });
    const badStatus = await h.call('GET', '/api/v1/alerts?status=open,closed');
    expect(badStatus.json()).toMatchObject({ status: 400, field: 'status' });
    const badCursor = await h.call('GET', '/api/v1/alerts?cursor=nonsense');
    expect(badCursor.json()).toMatchObject({ status: 400, field: 'cursor' });
  });

  it('pages the same through REST and gRPC', async () => {
    const restIds: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(
        `?pageSize=2${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      restIds.push(...page.items.map((a) => a.alertId));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    const grpcIds: string[] = [];
    const grpcAlerts: MaintenanceAlert[] = [];
    let token = '';
    do {
      const page = await invoke(
        grpc.listAlerts.bind(grpc),
        api.ListAlertsRequest.fromPartial({ pageSize: 2, pageToken: token }),
        h.adminKey,
      );
      grpcIds.push(...page.alerts.map((a) => a.alertId));
      grpcAlerts.push(...page.alerts);
      token = page.nextPageToken;
    } while (token !== '');
    expect(restIds).toHaveLength(9);
    expect(grpcIds).toEqual(restIds);
    expect(grpcAlerts.find((a) => a.alertId === 'pump-a')).toMatchObject({
      status: AlertStatus.ALERT_STATUS_RESOLVED,
      resolvedTimeUs: T0_US + 60 * MINUTE,
    });
    const filtered = await invoke(
      grpc.listAlerts.bind(grpc),
      api.ListAlertsRequest.fromPartial({
        siteId: 'acme/plant-1',
        assetId: PUMP,
        statuses: [AlertStatus.ALERT_STATUS_OPEN, AlertStatus.ALERT_STATUS_ACKNOWLEDGED],
      }),
      reader,
    );
    const restFiltered = await list(
      `?siteId=acme/plant-1&assetId=${encodeURIComponent(PUMP)}&status=open,acknowledged`,
    );
    expect(filtered.alerts.map((a) => a.alertId)).toEqual(restFiltered.items.map((a) => a.alertId));
    expect(filtered.alerts.map((a) => a.alertId)).toEqual(['pump-c', 'pump-b']);
    const otherSite = await failure(
      invoke(
        grpc.listAlerts.bind(grpc),
        api.ListAlertsRequest.fromPartial({ siteId: 'acme/plant-2' }),
        reader,
      ),
    );
    expect(otherSite.code).toBe(status.PERMISSION_DENIED);
  });

  it('acknowledges and resolves an alert and publishes each state with the caller as actor', async () => {
    const url = `/api/v1/alerts/${encodeURIComponent('press-b')}`;
    const acked = await h.call('POST', `${url}/acknowledge`, {
      key: operator,
      body: { comment: 'on my way' },
    });
    expect(acked.statusCode).toBe(200);
    const actor = acked.json<AlertJson>().actor;
    expect(actor).toMatch(/^key:/);
    expect(acked.json()).toMatchObject({
      status: 'acknowledged',
      details: { zone: 'C', comment: 'on my way' },
    });
    const resolved = await h.call('POST', `${url}/resolve`, { key: operator, body: {} });
    expect(resolved.json()).toMatchObject({
      alertId: 'press-b',
      status: 'resolved',
      actor,
      resolvedTime: expect.any(String),
      details: { comment: 'on my way' },
    });
    await waitUntil(async () => published.length >= 2, { timeoutMs: 10_000, what: 'two alert events' });
    const events = published.map((record) => ({
      key: record.key,
      alert: MaintenanceAlert.decode(record.value),
    }));
    expect(events.map(({ key, alert }) => [key, alert.alertId, alert.status, alert.actor])).toEqual([
      [PRESS, 'press-b', AlertStatus.ALERT_STATUS_ACKNOWLEDGED, actor],
      [PRESS, 'press-b', AlertStatus.ALERT_STATUS_RESOLVED, actor],
    ]);
    expect(events[1]?.alert.resolvedTimeUs).toBeGreaterThan(0);
    expect((await h.call('GET', url, { key: reader })).json()).toMatchObject({ status: 'resolved' });

    const again = await h.call('POST', `${url}/resolve`, { key: operator });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.json<{ detail: string }>().detail).toMatch(/press-b.*resolved/);
    const grpcAgain = await failure(
      invoke(grpc.acknowledgeAlert.bind(grpc), { alertId: 'press-b', actor: 'me', comment: '' }, operator),
    );
    expect(grpcAgain.code).toBe(status.FAILED_PRECONDITION);
    const unknown = await h.call('POST', '/api/v1/alerts/nope/acknowledge', { key: operator, body: {} });
    expect(unknown.statusCode).toBe(404);

    // Through gRPC: the request's actor is not what is stored.
    const viaGrpc = await invoke(
      grpc.acknowledgeAlert.bind(grpc),
      { alertId: 'press-c', actor: 'somebody else', comment: 'checking' },
      operator,
    );
    expect(viaGrpc.alert).toMatchObject({
      alertId: 'press-c',
      status: AlertStatus.ALERT_STATUS_ACKNOWLEDGED,
      actor,
      details: { zone: 'C', comment: 'checking' },
    });
    await waitUntil(async () => published.length >= 3, { timeoutMs: 10_000, what: 'the gRPC alert event' });
  });

  it('refuses readers, hides other sites and names bad fields', async () => {
    const url = `/api/v1/alerts/press-d`;
    expect((await h.call('POST', `${url}/acknowledge`, { key: reader, body: {} })).statusCode).toBe(403);
    const grpcReader = await failure(
      invoke(grpc.resolveAlert.bind(grpc), { alertId: 'press-d', actor: '', comment: '' }, reader),
    );
    expect(grpcReader.code).toBe(status.PERMISSION_DENIED);
    expect((await h.call('POST', `${url}/acknowledge`, { key: plant2, body: {} })).statusCode).toBe(404);
    expect((await h.call('GET', url, { key: plant2 })).statusCode).toBe(404);
    expect((await list('', plant2)).items.map((a) => a.alertId)).toEqual(['robot-b', 'robot-a']);
    const otherSite = await h.call('GET', '/api/v1/alerts?siteId=acme/plant-1', { key: plant2 });
    expect(otherSite.statusCode).toBe(403);
    const otherAsset = await h.call('GET', `/api/v1/alerts?assetId=${encodeURIComponent(PRESS)}`, {
      key: plant2,
    });
    expect(otherAsset.statusCode).toBe(403);
    const notSite = await h.call('GET', `/api/v1/alerts?siteId=${encodeURIComponent(PRESS)}`);
    expect(notSite.json()).toMatchObject({ status: 400, field: 'siteId' });
    const longComment = await h.call('POST', `${url}/acknowledge`, {
      key: operator,
      body: { comment: 'x'.repeat(2001) },
    });
    expect(longComment.json()).toMatchObject({ status: 400, field: 'comment' });
    const extra = await h.call('POST', `${url}/acknowledge`, { key: operator, body: { actor: 'me' } });
    expect(extra.statusCode).toBe(400);
    expect((await h.call('GET', `${url}`, { key: reader })).json()).toMatchObject({ status: 'open' });
  });

  it('answers the latest health of an asset and its series over a range', async () => {
    const row = (minute: number, healthIndex: number): AssetHealthRow => ({
      assetId: PUMP,
      timeUs: T0_US + minute * MINUTE,
      healthIndex,
      rul: healthIndex < 60 ? { estimateH: 40, lowerH: 20, upperH: 90 } : undefined,
      baselineReady: true,
      anomalyScore: (100 - healthIndex) / 10,
      signals: [
        {
          signal: 'vibration_velocity_rms',
          healthIndex,
          anomalyScore: 2.5,
          zone: 'B',
          value: 3.5,
          unit: 'mm/s',
        },
        {
          signal: 'bearing_temperature',
          healthIndex: 95,
          anomalyScore: 0.5,
          zone: '',
          value: 61.25,
          unit: 'Cel',
        },
      ],
    });
    const health = (query = '', key?: string) =>
      h.call('GET', assetPath(PUMP, `/health${query}`), key === undefined ? {} : { key });
    const none = await health();
    expect(none.statusCode).toBe(404);
    expect(none.json<{ detail: string }>().detail).toContain(PUMP);
    await store.writeHealth([row(0, 90), row(10, 75), row(20, 55)]);
    const latest = await health('', reader);
    expect(latest.statusCode).toBe(200);
    expect(latest.json()).toEqual({
      assetId: PUMP,
      time: iso(T0_US + 20 * MINUTE),
      healthIndex: 55,
      rul: { estimateH: 40, lowerH: 20, upperH: 90 },
      baselineReady: true,
      anomalyScore: 4.5,
      signals: row(20, 55).signals,
    });
    const series = await health(`?from=${iso(T0_US)}&to=${iso(T0_US + 20 * MINUTE)}`);
    expect(series.json()).toEqual({
      assetId: PUMP,
      from: iso(T0_US),
      to: iso(T0_US + 20 * MINUTE),
      points: [
        expect.objectContaining({ time: iso(T0_US), healthIndex: 90, rul: null }),
        expect.objectContaining({ time: iso(T0_US + 10 * MINUTE), healthIndex: 75 }),
      ],
      truncated: false,
    });
    expect((await health(`?from=${iso(T0_US)}`)).json()).toMatchObject({ status: 400, field: 'to' });
    expect((await health(`?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`)).json()).toMatchObject({
      status: 400,
      field: 'to',
    });
    expect((await health('', plant2)).statusCode).toBe(403);
  });
});
