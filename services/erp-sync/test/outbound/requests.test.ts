// The pure parts of the outbound half: idempotency keys, activity times from machine states, the operation an
// asset ran, the maintenance request built from an alert, and the configuration's defaults.
import { AlertSeverity, AlertStatus } from '@kiln/contracts';
import type { StoredErpOrder } from '@kiln/timeseries';
import { finalConfirmationKey, notificationKey, outboundSectionSchema } from '../../src/outbound';
import { activityTimes, atLeast, maintenanceRequest, operationOn } from '../../src/outbound/requests';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('idempotency keys', () => {
  it('derives the same UUID from the same decision and another from any other', () => {
    const key = finalConfirmationKey('1000123', '0010', 'acme/p/l/press-1');
    expect(key).toMatch(UUID);
    expect(finalConfirmationKey('1000123', '0010', 'acme/p/l/press-1')).toBe(key);
    expect(finalConfirmationKey('1000123', '0020', 'acme/p/l/press-1')).not.toBe(key);
    expect(finalConfirmationKey('1000123', '0010', 'acme/p/l/press-2')).not.toBe(key);
    expect(notificationKey('alert-1')).toMatch(UUID);
    expect(notificationKey('alert-1')).not.toBe(notificationKey('alert-2'));
  });
});

describe('activity times', () => {
  it('counts running as machine time, changeover as setup and unplanned stops as down time', () => {
    const seconds = new Map([
      ['RUNNING', 300],
      ['CHANGEOVER', 40],
      ['BREAKDOWN', 20],
      ['UNKNOWN_STOP', 5],
      ['STARVED', 3],
      ['PLANNED_STOP', 600],
      ['NO_ORDER', 100],
      ['OFFLINE', 50],
    ]);
    expect(activityTimes(seconds)).toEqual({ machineTimeS: 300, setupTimeS: 40, downTimeS: 28 });
    expect(activityTimes(new Map())).toEqual({ machineTimeS: 0, setupTimeS: 0, downTimeS: 0 });
  });
});

describe('the operation an asset ran', () => {
  const op = (operationId: string, workCenter: string, assetId?: string): StoredErpOrder => ({
    erpSystem: 'sap',
    orderId: '1',
    operationId,
    workCenter,
    assetId,
    material: '',
    materialDescription: '',
    targetQuantity: 0,
    quantityUnit: 'PC',
    idealCycleTimeS: 0,
    status: 'released',
    scheduledStartUs: 0,
    scheduledEndUs: 0,
    actualStartUs: 0,
    actualEndUs: 0,
    changedTimeUs: 0,
  });
  it('prefers the operation mapped to the asset, then the one on its work center, then the first', () => {
    const ops = [op('0010', 'SAW'), op('0020', 'PRESS'), op('0030', 'PAINT', 'press-1')];
    expect(operationOn(ops, 'press-1', 'PRESS')?.operationId).toBe('0030');
    expect(operationOn(ops, 'press-2', 'PRESS')?.operationId).toBe('0020');
    expect(operationOn(ops, 'press-2', undefined)?.operationId).toBe('0010');
    expect(operationOn([], 'press-2', 'PRESS')).toBeUndefined();
  });
});

describe('maintenance requests', () => {
  it('carries the alert’s evidence and a short text of at most 40 characters', () => {
    const request = maintenanceRequest(
      {
        alertId: 'a-1',
        assetId: 'acme/p/l/press-1',
        cause: 'bearing-degradation',
        signal: 'vibration',
        severity: AlertSeverity.ALERT_SEVERITY_CRITICAL,
        status: AlertStatus.ALERT_STATUS_OPEN,
        message: 'Bearing degradation: remaining useful life below 48 h',
        openedTimeUs: 1,
        updatedTimeUs: 1,
        resolvedTimeUs: 0,
        healthIndex: 35,
        rul: { estimateH: 40, lowerH: 20, upperH: 60 },
        actor: '',
        details: { zone: 'D' },
      },
      'critical',
      'WC-PRESS',
      'key-1',
    );
    expect(request.title).toHaveLength(40);
    expect(request.description).toContain('Remaining useful life: 40 h (20-60 h)');
    expect(request.description).toContain('zone: D');
    expect(request).toMatchObject({ workCenter: 'WC-PRESS', severity: 'critical', openedTimeUs: 1 });
  });

  it('ranks severities info < warning < critical', () => {
    expect(atLeast('warning', 'warning')).toBe(true);
    expect(atLeast('info', 'warning')).toBe(false);
    expect(atLeast('critical', 'warning')).toBe(true);
  });
});

describe('the outbound section', () => {
  it('has the documented defaults', () => {
    expect(outboundSectionSchema.parse({})).toEqual({
      groupId: 'erp-sync',
      startFrom: 'earliest',
      maxBatchSize: 500,
      confirmations: { enabled: true, finalOnOrderChange: true, atShiftEnd: false },
      notifications: { enabled: true, minSeverity: 'warning' },
      sender: {
        pollIntervalMs: 1_000,
        batchSize: 20,
        timeoutMs: 10_000,
        initialDelayMs: 1_000,
        maxDelayMs: 300_000,
        maxAttempts: 50,
        breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
      },
    });
  });
});
