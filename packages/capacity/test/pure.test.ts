import { brokerConfig } from '../src/broker';
import { parse } from 'yaml';
import { binaryRows, textRows } from '../src/copy-rows';
import { lagOf } from '../src/kafka-lag';
import {
  batchTags,
  buildTemplate,
  readingsPerBody,
  formatTimeMs,
  samplesPerRequest,
  stampBody,
  UniqueMicros,
} from '../src/load/http-body';
import { Pacer } from '../src/load/pacer';
import { TopicCycle } from '../src/load/topic-cycle';
import { readOptions } from '../src/options';
import { percentile, summarize } from '../src/percentiles';
import { loadTags, plantDocument, probeTag } from '../src/plant';
import { cpuPercent, parseMachineTicks, parseProcessTicks } from '../src/proc-stat';
import { renderTable } from '../src/table';
import { keepStepping, latencyRate, stepVerdict, sustainedMaximum } from '../src/verdict';

const steady = {
  offeredPerS: 10_000,
  sentPerS: 10_000,
  skippedPerS: 0,
  failedPerS: 0,
  storedPerS: 9_900,
  lagStartRecords: 3,
  lagEndRecords: 5,
  producedRecordsPerS: 20,
};

describe('step verdicts', () => {
  it('calls a step sustained when nearly all offered samples are stored and the lag stays flat', () => {
    expect(stepVerdict(steady)).toEqual({ sustained: true, why: '' });
  });

  it('fails a step that stores less than 98 % of what was sent', () => {
    expect(stepVerdict({ ...steady, storedPerS: 9_700 })).toEqual({ sustained: false, why: 'stored < sent' });
    expect(stepVerdict({ ...steady, sentPerS: 9_000, storedPerS: 8_900 }).sustained).toBe(true);
  });

  it('fails a step whose lag grows by more than a second of records', () => {
    const growing = { ...steady, producedRecordsPerS: 200, lagStartRecords: 100, lagEndRecords: 400 };
    expect(stepVerdict(growing).why).toBe('lag grows');
    expect(stepVerdict({ ...growing, lagEndRecords: 250 }).sustained).toBe(true);
  });

  it('fails a step whose load was refused or held back, whatever was stored', () => {
    expect(stepVerdict({ ...steady, failedPerS: 500 }).why).toBe('refused');
    expect(stepVerdict({ ...steady, skippedPerS: 1_000 }).why).toBe('load held back');
  });

  it('takes the highest sustained step as the maximum, even after a failed one', () => {
    const ok = { sustained: true, why: '' };
    const failed = { sustained: false, why: 'lag grows' };
    expect(
      sustainedMaximum([
        { offeredPerS: 10_000, verdict: ok },
        { offeredPerS: 20_000, verdict: failed },
        { offeredPerS: 40_000, verdict: ok },
        { offeredPerS: 80_000, verdict: failed },
      ]),
    ).toBe(40_000);
    expect(sustainedMaximum([{ offeredPerS: 10_000, verdict: failed }])).toBeUndefined();
  });

  it('stops stepping after the allowed number of failed steps in a row', () => {
    const ok = { sustained: true, why: '' };
    const failed = { sustained: false, why: 'x' };
    expect(keepStepping([ok, failed], 2)).toBe(true);
    expect(keepStepping([failed, failed], 2)).toBe(false);
    expect(keepStepping([failed, ok, failed], 2)).toBe(true);
  });

  it('runs the latency step at half the maximum, in thousands', () => {
    expect(latencyRate(150_000)).toBe(75_000);
    expect(latencyRate(45_000)).toBe(22_000);
    expect(latencyRate(1_000)).toBe(1_000);
  });
});

describe('percentiles', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('summarizes unsorted samples and reports none as NaN', () => {
    expect(summarize([300, 100, 200])).toEqual({ count: 3, p50: 200, p99: 300, max: 300 });
    expect(summarize([]).count).toBe(0);
    expect(summarize([]).p99).toBeNaN();
  });
});

describe('/proc parsing', () => {
  it('reads utime + stime of a process, even with spaces and parentheses in its name', () => {
    const line = '4242 (node (my app)) S 1 4242 4242 0 -1 4194304 2010 0 0 0 150 37 0 0 20 0 11 0 123 0 0';
    expect(parseProcessTicks(line)).toBe(187);
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseProcessTicks('garbage')).toThrow('not a /proc/<pid>/stat line');
  });

  it('reads busy and total ticks of the machine', () => {
    const stat = 'cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 50 2 25 400 20 1 1 0 0 0\n';
    expect(parseMachineTicks(stat)).toEqual({ busy: 160, total: 1000 });
  });

  it('turns ticks over an interval into percent of one core', () => {
    expect(cpuPercent(150, 1000)).toBe(150);
    expect(cpuPercent(50, 2000)).toBe(25);
  });
});

describe('the generated plant', () => {
  const shape = { assets: 3, signals: 2, probes: 2 };

  it('maps every load tag and probe tag through one rule, and through one more as Sparkplug metrics', () => {
    const plant = parse(JSON.stringify(plantDocument(shape))) as {
      sites: Array<{ areas: Array<{ lines: Array<{ assets: Array<{ id: string; signals: unknown[] }> }> }> }>;
      mappings: Array<{ source?: string; tag: string; asset: string; signal: string }>;
    };
    const assets = plant.sites[0]?.areas[0]?.lines[0]?.assets ?? [];
    expect(assets.map((asset) => [asset.id, asset.signals.length])).toEqual([
      ['a0', 2],
      ['a1', 2],
      ['a2', 2],
      ['probe', 2],
    ]);
    expect(plant.mappings).toEqual([
      { name: 'e2e', tag: 'e2e/{asset}/{signal}', asset: 'e2e/site/area/line/{asset}', signal: '{signal}' },
      {
        name: 'e2e-sparkplug',
        source: 'sparkplug/*/*/{asset}',
        tag: '{signal}',
        asset: 'e2e/site/area/line/{asset}',
        signal: '{signal}',
      },
    ]);
    expect(loadTags(shape)).toEqual([
      'e2e/a0/s0',
      'e2e/a0/s1',
      'e2e/a1/s0',
      'e2e/a1/s1',
      'e2e/a2/s0',
      'e2e/a2/s1',
    ]);
    expect(probeTag(1)).toBe('e2e/probe/p1');
  });

  it('puts a probe first in every batch and every load tag in exactly one batch', () => {
    const tags = loadTags({ assets: 10, signals: 10, probes: 0 });
    const batches = batchTags(tags, 30, probeTag);
    expect(batches).toHaveLength(4);
    expect(batches.map((batch) => batch[0])).toEqual([
      'e2e/probe/p0',
      'e2e/probe/p1',
      'e2e/probe/p2',
      'e2e/probe/p3',
    ]);
    expect(batches.flatMap((batch) => batch.slice(1))).toEqual(tags);
  });
});

describe('pre-encoded HTTP bodies', () => {
  it('patches source and time into valid JSON the HTTP connector reads', () => {
    const template = buildTemplate(['e2e/a0/s0', 'e2e/a0/s1']);
    const body = JSON.parse(stampBody(template, 7, 1_765_090_000_000_123).toString('utf8')) as {
      source: string;
      samples: Array<{ tag: string; value: number; timestamp: number; quality: string }>;
    };
    expect(body.source).toBe('e2e-007');
    expect(body.samples.map((sample) => sample.tag)).toEqual(['e2e/a0/s0', 'e2e/a0/s1']);
    expect(body.samples.every((sample) => sample.timestamp === 1_765_090_000_000.123)).toBe(true);
    expect(body.samples[0]?.quality).toBe('good');
  });

  it('leaves the template itself untouched', () => {
    const template = buildTemplate(['t']);
    const before = template.bytes.toString();
    stampBody(template, 1, 1_765_090_000_000_001);
    expect(template.bytes.toString()).toBe(before);
  });

  it('writes the time at a fixed width', () => {
    expect(formatTimeMs(1_765_090_000_000_007)).toBe('1765090000000.007');
  });

  it('never gives two batches the same time', () => {
    const clock = new UniqueMicros();
    const times = Array.from({ length: 1000 }, () => clock.next(1_765_090_000_000));
    expect(new Set(times).size).toBe(1000);
  });

  it('gives each reading of a body its own time, and the next body times after all of them', () => {
    const template = buildTemplate(['e2e/a0/s0', 'e2e/a0/s1'], 3);
    expect(template.samples).toBe(6);
    const clock = new UniqueMicros();
    const first = clock.next(1_765_090_000_000, 3);
    const second = clock.next(1_765_090_000_000, 3);
    const times = [first, second].flatMap((start) => {
      const body = JSON.parse(stampBody(template, 1, start).toString('utf8')) as {
        samples: Array<{ tag: string; timestamp: number }>;
      };
      return body.samples.map((sample) => `${sample.tag}@${Math.round(sample.timestamp * 1000)}`);
    });
    expect(new Set(times).size).toBe(12);
    expect(times.slice(0, 3)).toEqual([`e2e/a0/s0@${first}`, `e2e/a0/s1@${first}`, `e2e/a0/s0@${first + 1}`]);
  });

  it("fills a request with readings of a source's tags up to the batch size", () => {
    expect(readingsPerBody(500, 100)).toBe(5);
    expect(readingsPerBody(500, 51)).toBe(9);
    expect(readingsPerBody(500, 600)).toBe(1);
  });
});

describe('the pacer', () => {
  it('makes units due at the rate and gives up a backlog of more than a second', () => {
    const pacer = new Pacer();
    pacer.set(100, 0);
    expect(pacer.due(500)).toEqual({ due: 50, skipped: 0 });
    pacer.took(50);
    expect(pacer.due(1000)).toEqual({ due: 50, skipped: 0 });
    // Nothing sent for three seconds: only one second's worth stays due.
    expect(pacer.due(3500)).toEqual({ due: 100, skipped: 200 });
  });
});

describe('consumer lag', () => {
  it('sums end minus committed, counting a partition without a commit from the baseline', () => {
    const ends = new Map([
      [0, 100],
      [1, 50],
      [2, 10],
    ]);
    const committed = new Map([
      [0, 90],
      [1, -1],
    ]);
    const baseline = new Map([
      [1, 40],
      [2, 10],
    ]);
    expect(lagOf(ends, committed, baseline)).toBe(10 + 10 + 0);
  });
});

describe('COPY rows', () => {
  it('writes the text format with NULL as \\N', () => {
    const text = textRows({ firstTimeUs: 1_765_090_000_000_000, count: 2, signals: 5 }).toString();
    expect(text).toBe('2025-12-07T06:46:40.000Z\t0\t0.5\t\\N\t1\n2025-12-07T06:46:40.000Z\t1\t1.5\t\\N\t1\n');
  });

  it('frames the binary format with signature, 5 fields per tuple and the trailer', () => {
    const buffer = binaryRows({ firstTimeUs: 946_684_800_000_001, count: 1, signals: 5 }, true, true);
    expect(buffer.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    expect(buffer.readInt16BE(19)).toBe(5);
    expect(buffer.readBigInt64BE(25)).toBe(1n);
    expect(buffer.readInt16BE(buffer.length - 2)).toBe(-1);
  });
});

describe('options', () => {
  it('has the stepped defaults and reads the KILN_E2E settings', () => {
    const defaults = readOptions({}, []);
    expect(defaults.httpRates).toEqual([10_000, 20_000, 40_000, 80_000, 120_000, 160_000, 200_000]);
    expect(defaults.stepS).toBe(30);
    const set = readOptions(
      { KILN_E2E_RATES: '1000, 2000', KILN_E2E_STEP_SECONDS: '60', KILN_E2E_MODES: 'http' },
      ['--json'],
    );
    expect(set).toMatchObject({ httpRates: [1000, 2000], stepS: 60, modes: ['http'], json: true });
  });

  it('keeps the latency and API steps at a minute at most unless told, whatever the load steps last', () => {
    expect(readOptions({}, []).latencyStepS).toBe(30);
    expect(readOptions({ KILN_E2E_STEP_SECONDS: '1800' }, []).latencyStepS).toBe(60);
    expect(
      readOptions({ KILN_E2E_STEP_SECONDS: '1800', KILN_E2E_LATENCY_STEP_SECONDS: '300' }, []).latencyStepS,
    ).toBe(300);
  });

  it('names the setting it refuses', () => {
    expect(() => readOptions({ KILN_E2E_STEP_SECONDS: 'soon' }, [])).toThrow('KILN_E2E_STEP_SECONDS');
    expect(() => readOptions({ KILN_E2E_MODES: 'opcua' }, [])).toThrow("'opcua' is not one of");
    // Past a day, a window would overflow Node's timers and end at once; a megabyte of text is not echoed whole.
    expect(() => readOptions({ KILN_E2E_LATENCY_STEP_SECONDS: '1e308' }, [])).toThrow('from 1 to 86400');
    expect(() => readOptions({ KILN_E2E_RATES: '1'.repeat(1 << 20) }, [])).toThrow(/got '1{80}\.\.\.'$/);
    // A billion values a message would be built in memory by the generator before anything is sent.
    expect(() => readOptions({ KILN_E2E_SPARKPLUG_METRICS: '1e9' }, [])).toThrow(
      "KILN_E2E_SPARKPLUG_METRICS: expected a number from 1 to 50000, got '1e9'",
    );
    expect(() => readOptions({}, ['--fast'])).toThrow("unknown argument '--fast'");
  });
});

describe('tables', () => {
  it('aligns numbers right and text left', () => {
    expect(
      renderTable(
        ['step', 'n'],
        [
          ['a', 1000],
          ['bb', 5],
        ],
      ),
    ).toBe('step      n\n----  -----\na     1,000\nbb        5');
  });
});

describe('MQTT topics', () => {
  it('gives every load topic the same share of the messages, probes apart', () => {
    const topics = Array.from({ length: 10 }, (_, i) => `a0/s${i}`);
    const cycle = new TopicCycle(topics, ['probe/p0', 'probe/p1'], 5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 5 * 10 * 4; i += 1) {
      const topic = cycle.take();
      counts.set(topic, (counts.get(topic) ?? 0) + 1);
    }
    expect(topics.map((topic) => counts.get(topic))).toEqual(topics.map(() => 16));
    expect([counts.get('probe/p0'), counts.get('probe/p1')]).toEqual([20, 20]);
  });
});

describe('HTTP pacing', () => {
  it('paces by the mean batch, so a short last template does not lower the offered rate', () => {
    const tags = loadTags({ assets: 10, signals: 10, probes: 0 });
    const templates = batchTags(tags, 30, probeTag).map((batch) => buildTemplate(batch));
    expect(templates.map((one) => one.samples)).toEqual([30, 30, 30, 14]);
    expect(samplesPerRequest(templates)).toBe(26);
  });
});

describe("the run's MQTT broker", () => {
  it('lifts the in-flight and queue limits that would make the broker drop QoS 1 messages', () => {
    const config = brokerConfig(18830).split('\n');
    expect(config).toContain('listener 18830 127.0.0.1');
    expect(config).toContain('max_inflight_messages 0');
    expect(config).toContain('max_queued_messages 0');
    expect(config).toContain('persistence false');
  });
});
