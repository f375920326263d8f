// The maintenance store on both backends (plain PostgreSQL, and TimescaleDB in process): one unresolved alert
// per asset and cause however opens race, the alert life cycle and its refusals, listing with filters and keyset
// pages, idempotent health upserts, and model states that survive a restart.
import { AlertSeverity, AlertStatus, AssetHealth } from '@kiln/contracts';
import {
  AlertNotFoundError,
  alertToEvent,
  AlertTransitionError,
  ANALYST_ROLE,
  analyticsSchemaName,
  MAINTENANCE_ANALYTICS_VIEWS,
  healthFromEvent,
  healthToEvent,
  MaintenanceStore,
  migrate,
  PgliteDatabase,
  type AssetHealthRow,
  type Database,
  type NewAlert,
} from '../src';
import { dropSchema, HOUR, MINUTE, openPostgres, T0, uniqueSchema } from './support';

jest.setTimeout(60_000);

const PRESS = 'acme/plant-1/pressing/line-2/press-04';
const PUMP = 'acme/plant-1/utilities/line-9/pump-01';
const OTHER_SITE = 'acme/plant-10/pressing/line-1/press-01';

const alert = (alertId: string, overrides: Partial<NewAlert> = {}): NewAlert => ({
  alertId,
  assetId: PRESS,
  cause: 'vibration-zone-c',
  signal: 'vibration_velocity_rms',
  severity: 'warning',
  message: 'Vibration velocity 7.2 mm/s is in ISO 10816-3 zone C',
  openedTimeUs: T0,
  healthIndex: 61.5,
  rul: { estimateH: 120, lowerH: 80, upperH: 200 },
  details: { zone: 'C' },
  ...overrides,
});

const health = (assetId: string, timeUs: number, healthIndex: number): AssetHealthRow => ({
  assetId,
  timeUs,
  healthIndex,
  rul: healthIndex < 70 ? { estimateH: 48, lowerH: 30, upperH: 90 } : undefined,
  baselineReady: true,
  anomalyScore: (100 - healthIndex) / 10,
  signals: [
    {
      signal: 'vibration_velocity_rms',
      healthIndex,
      anomalyScore: 1.5,
      zone: 'B',
      value: 3.25,
      unit: 'mm/s',
    },
  ],
});

function storeContract(backend: string, open: () => Promise<{ db: Database; close(): Promise<void> }>) {
  describe(`MaintenanceStore on ${backend}`, () => {
    const schema = uniqueSchema('mnt');
    let db: Database;
    let close: () => Promise<void>;
    let store: MaintenanceStore;

    beforeAll(async () => {
      ({ db, close } = await open());
      await migrate(db, { schema });
      store = new MaintenanceStore(db, schema);
    }, 120_000);

    afterAll(async () => {
      await dropSchema(db, schema);
      await close();
    });

    it('opens one alert per asset and cause and opens a new one after it is resolved', async () => {
      const first = await store.openAlert(alert('a-1'));
      expect(first.created).toBe(true);
      expect(first.alert).toEqual({
        ...alert('a-1'),
        status: 'open',
        updatedTimeUs: T0,
        resolvedTimeUs: undefined,
        actor: '',
      });
      const again = await store.openAlert(alert('a-2', { openedTimeUs: T0 + MINUTE, severity: 'critical' }));
      expect(again).toEqual({ alert: first.alert, created: false });
      const replay = await store.openAlert(alert('a-1'));
      expect(replay).toEqual({ alert: first.alert, created: false });
      await store.resolveAlert('a-1', 'key:op', 'bearing replaced', T0 + HOUR);
      const reopened = await store.openAlert(alert('a-3', { openedTimeUs: T0 + 2 * HOUR }));
      expect(reopened.created).toBe(true);
      expect(reopened.alert.alertId).toBe('a-3');
      expect(await store.openAlert(alert('a-1'))).toMatchObject({
        alert: { alertId: 'a-1', status: 'resolved' },
        created: false,
      });
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM "${schema}".maintenance_alerts WHERE asset_id = $1`,
        [PRESS],
      );
      expect(rows[0]?.n).toBe('2');
    });

    it('keeps one alert when opens of the same asset and cause race', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.openAlert(alert(`race-${i}`, { cause: 'bearing-degradation' })),
        ),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.alert.alertId)).size).toBe(1);
    });

    it('updates an unresolved alert and keeps the comment of its acknowledgement', async () => {
      await store.openAlert(alert('u-1', { cause: 'temperature-drift', signal: 'bearing_temperature' }));
      await store.acknowledgeAlert('u-1', 'key:op', 'checking lubrication', T0 + MINUTE);
      const updated = await store.updateAlert('u-1', {
        severity: 'critical',
        signal: 'bearing_temperature',
        message: 'Bearing temperature 92 Cel',
        updatedTimeUs: T0 + 2 * MINUTE,
        healthIndex: undefined,
        rul: undefined,
        details: { trend: 'rising' },
      });
      expect(updated).toMatchObject({
        status: 'acknowledged',
        severity: 'critical',
        message: 'Bearing temperature 92 Cel',
        updatedTimeUs: T0 + 2 * MINUTE,
        healthIndex: undefined,
        rul: undefined,
        actor: 'key:op',
        details: { zone: 'C', comment: 'checking lubrication', trend: 'rising' },
      });
      await store.resolveAlert('u-1', 'key:op', '', T0 + 3 * MINUTE);
      const patch = { ...alert('u-1'), updatedTimeUs: T0 + 4 * MINUTE };
      expect(await store.updateAlert('u-1', patch)).toBeUndefined();
      expect(await store.updateAlert('missing', patch)).toBeUndefined();
    });

    it('acknowledges, acknowledges again, resolves, and refuses what the life cycle forbids', async () => {
      await store.openAlert(alert('t-1', { cause: 'current-imbalance' }));
      const acked = await store.acknowledgeAlert('t-1', 'key:anna', 'on my way', T0 + MINUTE);
      expect(acked).toMatchObject({
        status: 'acknowledged',
        actor: 'key:anna',
        updatedTimeUs: T0 + MINUTE,
        resolvedTimeUs: undefined,
        details: { zone: 'C', comment: 'on my way' },
      });
      const reacked = await store.acknowledgeAlert('t-1', 'key:ben', 'taking over', T0 + 2 * MINUTE);
      expect(reacked).toMatchObject({
        status: 'acknowledged',
        actor: 'key:ben',
        details: { comment: 'taking over' },
      });
      const resolved = await store.resolveAlert('t-1', 'key:ben', 'fixed', T0 + 3 * MINUTE);
      expect(resolved).toMatchObject({
        status: 'resolved',
        actor: 'key:ben',
        resolvedTimeUs: T0 + 3 * MINUTE,
        updatedTimeUs: T0 + 3 * MINUTE,
        details: { comment: 'fixed' },
      });
      await expect(store.acknowledgeAlert('t-1', 'x', '', T0)).rejects.toThrow(AlertTransitionError);
      await expect(store.resolveAlert('t-1', 'x', '', T0)).rejects.toThrow(
        'alert "t-1" is resolved and cannot be resolved',
      );
      await expect(store.resolveAlert('nope', 'x', '', T0)).rejects.toThrow(AlertNotFoundError);
      await expect(store.acknowledgeAlert('nope', 'x', '', T0)).rejects.toThrow(
        'no maintenance alert "nope"',
      );
      expect(await store.getAlert('t-1')).toEqual(resolved);
      expect(await store.getAlert('nope')).toBeUndefined();
      const statuses = await store.alertStatuses(['t-1', 'a-3', 'nope']);
      expect([...statuses.entries()].sort()).toEqual([
        ['a-3', 'open'],
        ['t-1', 'resolved'],
      ]);
    });

    describe('listing', () => {
      const listSchema = uniqueSchema('mnl');
      let list: MaintenanceStore;
      beforeAll(async () => {
        await migrate(db, { schema: listSchema });
        list = new MaintenanceStore(db, listSchema);
        // 12 alerts: 4 causes on the press, 4 on the pump (same opened time each pair), 4 on another site.
        for (let i = 0; i < 4; i++) {
          await list.openAlert(alert(`p-${i}`, { cause: `c${i}`, openedTimeUs: T0 + i * MINUTE }));
          await list.openAlert(
            alert(`q-${i}`, { assetId: PUMP, cause: `c${i}`, openedTimeUs: T0 + i * MINUTE }),
          );
          await list.openAlert(
            alert(`o-${i}`, { assetId: OTHER_SITE, cause: `c${i}`, openedTimeUs: T0 + i * MINUTE }),
          );
        }
        await list.acknowledgeAlert('p-1', 'key:op', '', T0 + HOUR);
        await list.resolveAlert('p-2', 'key:op', '', T0 + HOUR);
      });
      afterAll(async () => {
        await dropSchema(db, listSchema);
      });

      it('lists newest first and filters by asset, prefix and status', async () => {
        const ids = async (filter: Parameters<MaintenanceStore['listAlerts']>[0]) =>
          (await list.listAlerts(filter)).map((a) => a.alertId);
        expect(await ids({ assetId: PRESS, limit: 10 })).toEqual(['p-3', 'p-2', 'p-1', 'p-0']);
        expect(await ids({ assetPrefix: 'acme/plant-1', limit: 10 })).toEqual([
          'q-3',
          'p-3',
          'q-2',
          'p-2',
          'q-1',
          'p-1',
          'q-0',
          'p-0',
        ]);
        expect(await ids({ assetPrefix: 'acme/plant-1/utilities', limit: 10 })).toEqual([
          'q-3',
          'q-2',
          'q-1',
          'q-0',
        ]);
        expect(await ids({ assetId: PRESS, statuses: ['open', 'acknowledged'], limit: 10 })).toEqual([
          'p-3',
          'p-1',
          'p-0',
        ]);
        expect(await ids({ statuses: ['resolved'], limit: 10 })).toEqual(['p-2']);
        expect(await ids({ statuses: [], limit: 100 })).toHaveLength(12);
        await expect(list.listAlerts({ limit: 0 })).rejects.toThrow(/limit/);
      });

      it('pages with the keyset of the last alert and misses none', async () => {
        const seen: string[] = [];
        let after: { openedTimeUs: number; alertId: string } | undefined;
        for (;;) {
          const page = await list.listAlerts({
            assetPrefix: 'acme/plant-1',
            limit: 3,
            ...(after ? { after } : {}),
          });
          seen.push(...page.map((a) => a.alertId));
          const last = page[page.length - 1];
          if (page.length < 3 || last === undefined) break;
          after = { openedTimeUs: last.openedTimeUs, alertId: last.alertId };
        }
        expect(seen).toEqual(['q-3', 'p-3', 'q-2', 'p-2', 'q-1', 'p-1', 'q-0', 'p-0']);
      });
    });

    it('upserts health idempotently and answers the latest and a history', async () => {
      const rows = [0, 1, 2, 3].map((i) => health(PUMP, T0 + i * HOUR, 90 - i * 10));
      await store.writeHealth(rows);
      await store.writeHealth(rows);
      await store.writeHealth([health(PUMP, T0 + 3 * HOUR, 55), health(PUMP, T0 + 3 * HOUR, 58)]);
      const { rows: counted } = await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM "${schema}".asset_health WHERE asset_id = $1`,
        [PUMP],
      );
      expect(counted[0]?.n).toBe('4');
      expect(await store.latestHealth(PUMP)).toEqual(health(PUMP, T0 + 3 * HOUR, 58));
      expect(await store.latestHealth('acme/plant-1/none')).toBeUndefined();
      expect(await store.healthHistory(PUMP, T0 + HOUR, T0 + 3 * HOUR, 100)).toEqual([rows[1], rows[2]]);
      expect(await store.healthHistory(PUMP, T0, T0 + 4 * HOUR, 1)).toEqual([rows[0]]);
    });

    it('shows alerts and health to analysts as typed views', async () => {
      const a = `"${analyticsSchemaName(schema)}"`;
      const { rows: alerts } = await db.query(
        `SELECT alert_id, status, time_to_resolve_s, comment, rul_estimate_h FROM ${a}.maintenance_alerts
          WHERE alert_id = 't-1'`,
      );
      expect(alerts).toEqual([
        {
          alert_id: 't-1',
          status: 'resolved',
          time_to_resolve_s: 180,
          comment: 'fixed',
          rul_estimate_h: 120,
        },
      ]);
      const { rows: signals } = await db.query(
        `SELECT signal, health_index, zone, value, unit FROM ${a}.signal_health
          WHERE asset_id = $1 ORDER BY time DESC LIMIT 1`,
        [PUMP],
      );
      expect(signals).toEqual([
        { signal: 'vibration_velocity_rms', health_index: 58, zone: 'B', value: 3.25, unit: 'mm/s' },
      ]);
      const { rows: grants } = await db.query<{ granted: boolean }>(
        `SELECT has_table_privilege($1, $2 || '.' || v, 'SELECT') AS granted FROM unnest($3::text[]) AS v`,
        [ANALYST_ROLE, a, [...MAINTENANCE_ANALYTICS_VIEWS]],
      );
      expect(grants).toEqual(MAINTENANCE_ANALYTICS_VIEWS.map(() => ({ granted: true })));
    });

    it('saves and loads model states, ignoring a state older than the stored one', async () => {
      const state = { version: 1, baseline: { mean: [1.5, 2], n: 512 }, learned: true };
      await store.saveModelStates([
        { assetId: PRESS, state, updatedUs: T0 + HOUR },
        { assetId: PUMP, state: [1, 2, 3], updatedUs: T0 },
      ]);
      await store.saveModelStates([{ assetId: PRESS, state: { stale: true }, updatedUs: T0 }]);
      await store.saveModelStates([{ assetId: PUMP, state: { newer: true }, updatedUs: T0 + HOUR }]);
      const loaded = await store.loadModelStates([PRESS, PUMP, 'acme/plant-1/none']);
      expect(loaded).toEqual(
        new Map<string, unknown>([
          [PRESS, state],
          [PUMP, { newer: true }],
        ]),
      );
      expect(await store.loadModelStates([])).toEqual(new Map());
    });
  });
}

storeContract('PostgreSQL', async () => {
  const db = openPostgres();
  return { db, close: () => db.close() };
});

storeContract('TimescaleDB (PGlite)', async () => {
  const db = await PgliteDatabase.create();
  return { db, close: () => db.close() };
});

describe('maintenance events', () => {
  it('maps a stored alert to the event with enums and 0 for an unset resolved time', () => {
    const event = alertToEvent({
      ...alert('e-1', { healthIndex: undefined, rul: undefined }),
      status: 'acknowledged',
      updatedTimeUs: T0 + 1,
      resolvedTimeUs: undefined,
      actor: 'key:op',
    });
    expect(event).toEqual({
      alertId: 'e-1',
      assetId: PRESS,
      cause: 'vibration-zone-c',
      signal: 'vibration_velocity_rms',
      severity: AlertSeverity.ALERT_SEVERITY_WARNING,
      status: AlertStatus.ALERT_STATUS_ACKNOWLEDGED,
      message: 'Vibration velocity 7.2 mm/s is in ISO 10816-3 zone C',
      openedTimeUs: T0,
      updatedTimeUs: T0 + 1,
      resolvedTimeUs: 0,
      rul: undefined,
      actor: 'key:op',
      details: { zone: 'C' },
    });
  });

  it('round-trips health through the AssetHealth message', () => {
    const row = health(PUMP, T0, 42);
    const decoded = AssetHealth.decode(AssetHealth.encode(healthToEvent(row)).finish());
    expect(healthFromEvent(decoded)).toEqual(row);
    expect(healthFromEvent(healthToEvent(health(PUMP, T0, 99))).rul).toBeUndefined();
  });
});
