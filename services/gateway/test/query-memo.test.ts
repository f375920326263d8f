// Query texts parsed and validated once while they repeat: the same frozen object for the same text, bounded,
// and a validation answer kept only when it passed.
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { memoizedQuerystringParser, memoizedValidatorCompiler } from '../src/rest/query-memo';

describe('memoizedQuerystringParser', () => {
  it('parses as fast-querystring does and hands the same frozen object to a repeated text', () => {
    const parse = memoizedQuerystringParser();
    const first = parse('signal=a%2Fb&signal=c&maxAgeMs=0');
    expect(first).toEqual({ signal: ['a/b', 'c'], maxAgeMs: '0' });
    expect(parse('signal=a%2Fb&signal=c&maxAgeMs=0')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first['signal'])).toBe(true);
    expect(() => (first['signal'] as string[]).push('x')).toThrow(TypeError);
    expect(parse('')).toEqual({});
  });

  it('keeps at most its bound of texts, the oldest going first, and no long text', () => {
    const parse = memoizedQuerystringParser(2, 20);
    const a = parse('a=1');
    parse('b=1');
    parse('c=1');
    expect(parse('a=1')).not.toBe(a);
    const long = `x=${'y'.repeat(30)}`;
    const once = parse(long);
    expect(parse(long)).toEqual(once);
    expect(parse(long)).not.toBe(once);
  });
});

describe('memoizedValidatorCompiler', () => {
  const schema = z.strictObject({ n: z.coerce.number().int() });
  const compile = () =>
    memoizedValidatorCompiler(validatorCompiler)({
      schema,
      method: 'GET',
      url: '/',
      httpPart: 'querystring',
    });

  it('validates a frozen input once and hands its frozen value again', () => {
    const validate = compile();
    const input = Object.freeze({ n: '4' });
    const first = validate(input) as { value: { n: number } };
    expect(first.value).toEqual({ n: 4 });
    expect(validate(input)).toBe(first);
    expect(Object.isFrozen(first.value)).toBe(true);
  });

  it('validates an unfrozen input every time, and keeps no failure', () => {
    const validate = compile();
    const open = { n: '4' };
    expect(validate(open)).not.toBe(validate(open));
    const bad = Object.freeze({ n: 'four' });
    const failed = validate(bad) as { error?: unknown };
    expect(failed.error).toBeDefined();
    expect(validate(bad)).not.toBe(failed);
  });
});
