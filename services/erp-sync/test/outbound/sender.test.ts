// The outbox sender over a real PostgreSQL: an ERP outage is retried on the outbox's own schedule (exponential
// backoff, attempts recorded) and delivers once when the ERP is back; a refusal is a visible failure that is never
// retried; a decision survives a crash before its send; a row claimed by a sender that died is sent after the lease;
// two senders share the outbox and send each row once; the circuit breaker stops calls to an ERP that is down.
import type { BusRecord, InProcessBus } from '@kiln/bus';
import { topics } from '@kiln/contracts';
import { describeWith, waitUntil } from '@kiln/test-infra';
import { notificationKey } from '../../src/outbound';
import {
  alertEvent,
  ErpRejectedError,
  metricValue,
  RecordingErp,
  startService,
  testBus,
  testDatabase,
  type RunningOutbound,
  type TestDatabase,
} from './support';

const CLOCK_START_MS = Date.UTC(2026, 11, 2, 4);

describeWith(['postgres'], 'the outbox sender', () => {
  let database: TestDatabase;
  let bus: InProcessBus;
  const running: RunningOutbound[] = [];
  const dead: BusRecord[] = [];
  let clockMs = CLOCK_START_MS;
  const now = () => clockMs;

  beforeAll(async () => {
    database = await testDatabase();
    bus = await testBus(dead);
  });

  afterAll(async () => {
    for (const service of running) await service.lifecycle.stopAll();
    await bus.close();
    await database.drop();
  });

  async function start(erp: RecordingErp, section: Record<string, unknown> = {}): Promise<RunningOutbound> {
    const service = await startService({ bus, database, adapter: erp, now, section });
    running.push(service);
    return service;
  }

  /** Publishes open alerts and waits until their notifications are in the outbox. */
  async function decide(...alertIds: string[]): Promise<string[]> {
    await bus.publish(
      topics.maintenanceAlert.name,
      alertIds.map((id) => alertEvent(id)),
    );
    const keys = alertIds.map(notificationKey);
    await waitUntil(
      async () => (await Promise.all(keys.map((key) => database.store.outboxEntry(key)))).every(Boolean),
      {
        timeoutMs: 10_000,
        what: `notifications of ${alertIds.join(', ')} in the outbox`,
      },
    );
    return keys;
  }

  it('retries an unavailable ERP on the backoff schedule and delivers once when it is back', async () => {
    const erp = new RecordingErp();
    const service = await start(erp);
    const [key = ''] = await decide('outage-1');
    erp.unavailableCalls = 3;
    const dueTimes: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await service.outbound.flush()).toBe(0);
      const row = await database.store.outboxEntry(key);
      expect(row).toMatchObject({
        status: 'pending',
        attempts: attempt,
        lastError: expect.stringContaining('503'),
      });
      // Half jitter: between half and all of 1 s x 2^(attempt - 1).
      const delayMs = (row?.nextAttemptUs ?? 0) / 1000 - clockMs;
      expect(delayMs).toBeGreaterThanOrEqual(500 * 2 ** (attempt - 1));
      expect(delayMs).toBeLessThanOrEqual(1000 * 2 ** (attempt - 1));
      dueTimes.push(clockMs + delayMs);
      // Not due yet: nothing is called.
      clockMs += delayMs - 1;
      expect(await service.outbound.flush()).toBe(0);
      expect(erp.callsOf(key)).toBe(attempt);
      clockMs += 1;
    }
    expect(await service.outbound.flush()).toBe(1);
    expect(erp.callsOf(key)).toBe(4);
    expect(erp.created.map((posted) => posted.body.idempotencyKey)).toEqual([key]);
    expect(await database.store.outboxEntry(key)).toMatchObject({
      status: 'sent',
      attempts: 4,
      erpRef: '10000',
    });
    expect(await metricValue(service.registry, 'kiln_erp_send_attempts_total', { result: 'retry' })).toBe(3);
    expect(await metricValue(service.registry, 'kiln_erp_outbox_rows', { status: 'sent' })).toBe(1);
    clockMs += 3_600_000;
    expect(await service.outbound.flush()).toBe(0);
    expect(erp.callsOf(key)).toBe(4);
  });

  it('marks a refused posting failed with the error and a problem, and never tries it again', async () => {
    const erp = new RecordingErp();
    erp.rejectWith = new ErpRejectedError('functional location not found', 'IW 122');
    const service = await start(erp);
    const [key = ''] = await decide('refused-1');
    expect(await service.outbound.flush()).toBe(0);
    expect(await database.store.outboxEntry(key)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'refused (IW 122): functional location not found',
    });
    expect(await database.store.listProblems(10, 'notification')).toMatchObject([
      { recordId: 'refused-1', problem: 'refused (IW 122): functional location not found' },
    ]);
    clockMs += 3_600_000;
    expect(await service.outbound.flush()).toBe(0);
    expect(erp.callsOf(key)).toBe(1);
    expect(await metricValue(service.registry, 'kiln_erp_outbox_rows', { status: 'failed' })).toBe(1);
  });

  it('sends a decision once after a crash between decision and send', async () => {
    const erp = new RecordingErp();
    const first = await start(erp);
    const [key = ''] = await decide('crash-1');
    await first.lifecycle.stopAll();
    expect(erp.calls).toEqual([]);
    const second = await start(erp);
    // The alert is delivered again after the restart (its offset may not have been committed): nothing new.
    await decide('crash-1');
    expect(await second.outbound.flush()).toBe(1);
    expect(await second.outbound.flush()).toBe(0);
    expect(erp.callsOf(key)).toBe(1);
    expect(await database.store.outboxEntry(key)).toMatchObject({ status: 'sent' });
  });

  it('sends a row claimed by a sender that died once its lease ends', async () => {
    const erp = new RecordingErp();
    const service = await start(erp);
    const [key = ''] = await decide('lease-1');
    // A sender claims it (lease 30 s) and dies before it calls the ERP.
    const [claimed] = await database.store.claimDue(clockMs * 1000, (clockMs + 30_000) * 1000, 10);
    expect(claimed?.id).toBe(key);
    expect(await service.outbound.flush()).toBe(0);
    clockMs += 30_000;
    expect(await service.outbound.flush()).toBe(1);
    expect(erp.callsOf(key)).toBe(1);
  });

  it('lets two senders share the outbox and sends each row once', async () => {
    const erp = new RecordingErp();
    erp.delayMs = 20;
    const [a, b] = [
      await start(erp, { sender: { pollIntervalMs: 3_600_000, batchSize: 3 } }),
      await start(erp, { sender: { pollIntervalMs: 3_600_000, batchSize: 3 } }),
    ];
    const keys = await decide(...Array.from({ length: 12 }, (_, i) => `pair-${i}`));
    const [sentByA, sentByB] = await Promise.all([a?.outbound.flush(), b?.outbound.flush()]);
    expect((sentByA ?? 0) + (sentByB ?? 0)).toBe(12);
    expect(keys.map((key) => erp.callsOf(key))).toEqual(keys.map(() => 1));
    expect(erp.calls).toHaveLength(12);
  });

  it('counts a call that outlasts the timeout as unavailable and gives up visibly after maxAttempts', async () => {
    const erp = new RecordingErp();
    erp.delayMs = 200;
    const service = await start(erp, {
      sender: { pollIntervalMs: 3_600_000, timeoutMs: 50, maxAttempts: 2 },
    });
    const [key = ''] = await decide('slow-1');
    expect(await service.outbound.flush()).toBe(0);
    expect(await database.store.outboxEntry(key)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'timed out after 50 ms',
    });
    clockMs += 3_600_000;
    expect(await service.outbound.flush()).toBe(0);
    expect(await database.store.outboxEntry(key)).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: 'gave up after 2 attempts; last: timed out after 50 ms',
    });
    expect((await database.store.listProblems(10, 'notification')).map((p) => p.recordId)).toContain(
      'slow-1',
    );
  });

  it('opens the circuit after consecutive failures and stops calling until it half-opens', async () => {
    const erp = new RecordingErp();
    erp.unavailableCalls = 1_000;
    const service = await start(erp, {
      sender: {
        pollIntervalMs: 3_600_000,
        batchSize: 1,
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
      },
    });
    await decide('breaker-1', 'breaker-2', 'breaker-3');
    clockMs += 1;
    await service.outbound.flush();
    expect(erp.calls).toHaveLength(2);
    expect(await metricValue(service.registry, 'kiln_erp_circuit_breaker_state')).toBe(2);
    clockMs += 3_600_000;
    expect(await service.outbound.flush()).toBe(0);
    expect(erp.calls).toHaveLength(2);
    expect(await database.store.outboxCounts()).toMatchObject({ pending: 3 });
  });
});
