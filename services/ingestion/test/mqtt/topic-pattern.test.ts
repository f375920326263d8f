import {
  compileTopicPattern,
  renderTagTemplate,
  unknownPlaceholders,
} from '../../src/connectors/mqtt/topic-pattern';
import { parseSourceTime } from '../../src/connectors/mqtt/source-time';

describe('topic patterns', () => {
  it('captures named single-level wildcards and strips the names for the broker', () => {
    const pattern = compileTopicPattern('plant/+line/+machine/+signal');
    expect(pattern.brokerFilter).toBe('plant/+/+/+');
    const captures = pattern.match('plant/line-2/press-04/temperature');
    expect(captures?.named).toEqual({ line: 'line-2', machine: 'press-04', signal: 'temperature' });
    expect(
      renderTagTemplate('{line}/{machine}/{signal}', 'ignored', captures ?? { positional: [], named: {} }),
    ).toBe('line-2/press-04/temperature');
  });

  it('captures plain wildcards by position and # as the rest of the topic', () => {
    const pattern = compileTopicPattern('site/+/data/#');
    expect(pattern.brokerFilter).toBe('site/+/data/#');
    const captures = pattern.match('site/a1/data/x/y/z');
    expect(captures?.positional).toEqual(['a1', 'x/y/z']);
    expect(
      renderTagTemplate('{1}:{2}:{topic}', 'site/a1/data/x/y/z', captures ?? { positional: [], named: {} }),
    ).toBe('a1:x/y/z:site/a1/data/x/y/z');
  });

  it('matches like a broker: exact level count, # also matching its parent, no wildcard match of $ topics', () => {
    const single = compileTopicPattern('a/+/c');
    expect(single.match('a/b/c')).toBeDefined();
    expect(single.match('a/b/c/d')).toBeUndefined();
    expect(single.match('a/b')).toBeUndefined();
    expect(single.match('a//c')?.positional).toEqual(['']);
    expect(compileTopicPattern('a/#').match('a')?.positional).toEqual(['']);
    expect(compileTopicPattern('#').match('$SYS/broker/uptime')).toBeUndefined();
    expect(compileTopicPattern('+/broker').match('$SYS/broker')).toBeUndefined();
  });

  it('refuses malformed patterns with the reason', () => {
    expect(() => compileTopicPattern('a/#/b')).toThrow('"#" must be the last segment');
    expect(() => compileTopicPattern('a/b+/c')).toThrow('a wildcard must fill a whole segment');
    expect(() => compileTopicPattern('a/+x/+x')).toThrow('capture "x" is named twice');
    expect(() => compileTopicPattern('a/+x y')).toThrow('names a capture');
  });

  it('lists the template placeholders a pattern cannot fill', () => {
    const pattern = compileTopicPattern('plant/+line/+');
    expect(unknownPlaceholders('{line}/{2}/{topic}', pattern)).toEqual([]);
    expect(unknownPlaceholders('{machine}/{3}', pattern)).toEqual(['machine', '3']);
  });
});

describe('source timestamps', () => {
  it('reads ISO 8601 with zone, offset, microseconds and without zone as UTC', () => {
    expect(parseSourceTime('2024-05-01T06:00:00.123456Z', 'iso')).toEqual({
      ok: true,
      timeUs: 1714543200123456,
    });
    expect(parseSourceTime('2024-05-01T08:00:00.5+02:00', 'auto')).toEqual({
      ok: true,
      timeUs: 1714543200500000,
    });
    expect(parseSourceTime('2024-05-01 06:00:00', 'iso')).toEqual({ ok: true, timeUs: 1714543200000000 });
    expect(parseSourceTime('2024-05-01T06:00:00+0000', 'iso')).toEqual({
      ok: true,
      timeUs: 1714543200000000,
    });
  });

  it('reads epoch numbers in the configured unit, and numbers as milliseconds when auto-detecting', () => {
    expect(parseSourceTime(1714543200123, 'auto')).toEqual({ ok: true, timeUs: 1714543200123000 });
    expect(parseSourceTime('1714543200123', 'auto')).toEqual({ ok: true, timeUs: 1714543200123000 });
    expect(parseSourceTime(1714543200.5, 'epoch-s')).toEqual({ ok: true, timeUs: 1714543200500000 });
    expect(parseSourceTime(1714543200123456, 'epoch-us')).toEqual({ ok: true, timeUs: 1714543200123456 });
  });

  it('refuses what is not a time, saying what it expected', () => {
    expect(parseSourceTime('yesterday', 'auto')).toEqual({
      ok: false,
      error: expect.stringContaining('not ISO 8601'),
    });
    expect(parseSourceTime('2024-13-45T99:00:00Z', 'iso')).toMatchObject({ ok: false });
    expect(parseSourceTime(1714543200, 'iso')).toMatchObject({ ok: false });
    expect(parseSourceTime(true, 'auto')).toMatchObject({ ok: false });
    expect(parseSourceTime('abc', 'epoch-ms')).toEqual({
      ok: false,
      error: expect.stringContaining('number of ms'),
    });
  });
});
