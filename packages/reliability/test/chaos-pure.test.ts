import { RawSampleBatch } from '@kiln/contracts';
import { sampleNumbersIn } from '../src/chaos/dlq';
import { closedHourStartUs, oeeInputs, STATE_CODES } from '../src/chaos/oee-script';
import { channelOf, describeRuns, isoMicros, signalOf, UniqueMicros } from '../src/chaos/samples';
import { passes, renderTable, type FaultRow } from '../src/chaos/table';

describe('numbered samples', () => {
  it('gives every sample its own microsecond, even many in one millisecond', () => {
    const clock = new UniqueMicros();
    const times = Array.from({ length: 5000 }, () => clock.next(1_700_000_000_000));
    expect(new Set(times).size).toBe(5000);
    expect(times.every((t, i) => i === 0 || t > (times[i - 1] ?? 0))).toBe(true);
  });

  it('writes ISO 8601 with all six fraction digits', () => {
    expect(isoMicros(1_700_000_000_000_007)).toBe('2023-11-14T22:13:20.000007Z');
    expect(isoMicros(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
  });

  it('sends every n-th sample over MQTT on the MQTT signals, the rest over HTTP', () => {
    expect(channelOf(20, 10)).toBe('mqtt');
    expect(channelOf(21, 10)).toBe('http');
    expect(channelOf(20, 0)).toBe('http');
    expect(signalOf(20, 'mqtt')).toMatch(/^m\d$/);
    expect(signalOf(21, 'http')).toMatch(/^h\d$/);
  });

  it('reports lost numbers as runs', () => {
    expect(describeRuns([5, 1, 2, 3, 9])).toBe('1-3, 5, 9');
    expect(describeRuns([1, 3, 5, 7], 2)).toBe('1, 3 (+2 more runs)');
  });
});

describe('the OEE input of a phase', () => {
  const start = closedHourStartUs(Date.UTC(2026, 11, 6, 21, 30), 3);
  const inputs = oeeInputs(start);

  it('lies in the hour three hours back, aligned to the hour', () => {
    expect(new Date(start / 1000).toISOString()).toBe('2026-12-06T18:00:00.000Z');
  });

  it('is in time order, one state, total and reject reading per minute through the end of the hour', () => {
    expect(inputs).toHaveLength(61 * 3);
    expect(inputs.every((input, i) => i === 0 || input.timeUs > (inputs[i - 1]?.timeUs ?? 0))).toBe(true);
  });

  it('holds a breakdown, a micro-stop and a planned stop', () => {
    const states = inputs.filter((input) => input.kind === 'state').map((input) => input.value);
    expect(states.filter((s) => s === STATE_CODES.BREAKDOWN)).toHaveLength(5);
    expect(states.filter((s) => s === STATE_CODES.IDLE)).toHaveLength(1);
    expect(states.filter((s) => s === STATE_CODES.PLANNED_STOP)).toHaveLength(5);
  });

  it('counts 5 parts per running minute and one reject per 10 minutes', () => {
    const totals = inputs.filter((input) => input.kind === 'total').map((input) => input.value);
    const rejects = inputs.filter((input) => input.kind === 'reject').map((input) => input.value);
    expect((totals.at(-1) ?? 0) - (totals[0] ?? 0)).toBe(5 * 49);
    expect((rejects.at(-1) ?? 0) - (rejects[0] ?? 0)).toBe(6);
  });
});

describe('sample numbers in dead letters', () => {
  it('reads an HTTP body, an MQTT payload and a raw batch', () => {
    const body = {
      source: 's',
      samples: [
        { tag: 'seq/h1', value: 17 },
        { tag: 'oee/x/state', value: 1 },
      ],
    };
    expect(sampleNumbersIn(Buffer.from(JSON.stringify(body)))).toEqual([17]);
    expect(sampleNumbersIn(Buffer.from('{"v":42,"t":1}'))).toEqual([42]);
    const raw = RawSampleBatch.encode({
      sourceId: 'http/chaos-load',
      connector: 'http',
      samples: [
        {
          tag: 'seq/h2',
          value: { kind: { $case: 'numberValue', value: 99 } },
          quality: 1,
          statusCode: 0,
          sourceTimeUs: 1,
          receiveTimeUs: 2,
        },
      ],
    }).finish();
    expect(sampleNumbersIn(Buffer.from(raw))).toEqual([99]);
    expect(sampleNumbersIn(Buffer.from('{not json'))).toEqual([]);
  });
});

describe('the table', () => {
  const row: FaultRow = {
    fault: 'kill -9 ingestion',
    sent: 50_000,
    stored: 50_000,
    duplicates: 0,
    deadLettered: 0,
    lost: 0,
    oeeVsReference: 'identical',
  };

  it('passes a fault with nothing lost, nothing twice and the same OEE, and nothing else', () => {
    expect(passes(row)).toBe(true);
    expect(passes({ ...row, lost: 1 })).toBe(false);
    expect(passes({ ...row, duplicates: 1 })).toBe(false);
    expect(passes({ ...row, oeeVsReference: 'no result' })).toBe(false);
  });

  it('prints one row per fault under the header', () => {
    const lines = renderTable([row]).split('\n');
    expect(lines[0]).toMatch(
      /^\| fault +\| +sent \| +stored \| duplicates \| dead-lettered \| +lost \| OEE vs reference \|$/,
    );
    expect(lines[2]).toContain('50,000');
  });
});
