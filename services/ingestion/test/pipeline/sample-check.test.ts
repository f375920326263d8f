// The pipeline's own sample rules (src/pipeline/sample-check.ts), which every connector's samples pass. A 64-bit
// integer from Modbus or OPC UA (a bigint) past ±(2^53 - 1) used to leave as a rounded number_value, so the tag
// switched wire type between int_value and number_value and lost its low digits; it is refused by name now, as
// the Sparkplug connector refuses one (integer-beyond-safe-range).
import { sampleProblem, valueProblem } from '../../src/pipeline/sample-check';
import { toValue } from '../../src/pipeline/raw-sample';

const RULES = {
  window: { pastUs: Number.POSITIVE_INFINITY, futureUs: Number.POSITIVE_INFINITY },
  maxTextLength: 4096,
};
const NOW_US = Date.UTC(2026, 11, 7) * 1000;

describe('valueProblem', () => {
  it('takes 64-bit integers within ±(2^53 - 1) and sends them as int_value', () => {
    for (const value of [0n, 42n, -42n, BigInt(Number.MAX_SAFE_INTEGER), -BigInt(Number.MAX_SAFE_INTEGER)]) {
      expect(valueProblem(value, 4096)).toBeUndefined();
      expect(toValue(value).kind).toEqual({ $case: 'intValue', value: Number(value) });
    }
  });

  it('refuses a 64-bit integer past ±(2^53 - 1), naming it in full', () => {
    expect(valueProblem(2n ** 53n, 4096)).toBe(
      'is 9007199254740992, an integer beyond ±(2^53 - 1) that Kiln cannot keep exact',
    );
    expect(valueProblem(-(2n ** 63n), 4096)).toMatch(/^is -9223372036854775808, an integer beyond/);
    expect(valueProblem(2n ** 64n - 1n, 4096)).toMatch(/^is 18446744073709551615, an integer beyond/);
  });

  it('refuses such a sample with the value field and the tag named', () => {
    const problem = sampleProblem(
      {
        tag: 'meter/energy-wh',
        value: 2n ** 60n + 1n,
        quality: 'good',
        statusCode: 0,
        receiveTimeUs: NOW_US,
      },
      NOW_US,
      RULES,
    );
    expect(problem).toEqual({
      field: 'value',
      message:
        'value of tag "meter/energy-wh" is 1152921504606846977, an integer beyond ±(2^53 - 1) that Kiln cannot keep exact',
      problem: 'is 1152921504606846977, an integer beyond ±(2^53 - 1) that Kiln cannot keep exact',
    });
  });

  it('still refuses non-finite numbers and takes finite ones', () => {
    expect(valueProblem(Number.NaN, 4096)).toBe('is NaN, not a finite number');
    expect(valueProblem(1.5, 4096)).toBeUndefined();
    expect(valueProblem([1, Number.POSITIVE_INFINITY], 4096)).toBe(
      'holds Infinity at [1], not a finite number',
    );
  });
});
