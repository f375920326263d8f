// The failure vocabulary every consumer and the bus share, and the checks a decoder throws it with: a record that
// breaks a rule is a RuleError (never processed: dead-lettered at once) whose message names the record and field.
import {
  checkEventTexts,
  checkEventTime,
  EventDecodeError,
  MAX_TIME_US,
  PermanentError,
  RuleError,
  TransientError,
} from '../src';

describe('record errors', () => {
  it('makes a rule broken and an undecodable record permanent, and keeps a failure of the world apart', () => {
    expect(new RuleError('goodCount is -1')).toBeInstanceOf(PermanentError);
    expect(new EventDecodeError('kiln.raw.v1', 'at byte 0: invalid wire type 7')).toBeInstanceOf(
      PermanentError,
    );
    expect(new TransientError('database unreachable')).not.toBeInstanceOf(PermanentError);
    expect(new RuleError('x').name).toBe('RuleError');
    expect(new TransientError('x', { cause: new Error('ECONNRESET') }).cause).toBeInstanceOf(Error);
  });
});

describe('checkEventTime', () => {
  it('takes a time from 1970 through 2255', () => {
    expect(() => checkEventTime('count delta 0 of asset "press-04": time', 0)).not.toThrow();
    expect(() => checkEventTime('count delta 0 of asset "press-04": time', MAX_TIME_US)).not.toThrow();
  });

  it('refuses any other time with a RuleError naming the field and the range', () => {
    const check = (): void => checkEventTime('count delta 3 of asset "press-04": time', -1);
    expect(check).toThrow(RuleError);
    expect(check).toThrow(
      'count delta 3 of asset "press-04": time is -1 us, not a time between 1970 and 2255',
    );
    expect(() => checkEventTime('shift "s1": endUs', MAX_TIME_US + 1)).toThrow(/shift "s1": endUs is/);
    expect(() => checkEventTime('t', 1.5)).toThrow(RuleError);
  });

  it('lets 0 pass as unset only where the field is optional', () => {
    expect(() => checkEventTime('order "o1": actualEndUs', 0, { zeroIsUnset: true })).not.toThrow();
    expect(() => checkEventTime('order "o1": actualEndUs', -5, { zeroIsUnset: true })).toThrow(
      'order "o1": actualEndUs is -5 us',
    );
  });
});

describe('checkEventTexts', () => {
  it('refuses the first text with a control character, naming where it is', () => {
    const event = { assetId: 'press-04', event: { value: { reasonText: 'jam\u0000' } } };
    expect(() => checkEventTexts('state event of asset "press-04"', event)).toThrow(RuleError);
    expect(() => checkEventTexts('state event of asset "press-04"', event)).toThrow(
      'state event of asset "press-04": event.value.reasonText holds the character U+0000 at position 3',
    );
    expect(() => checkEventTexts('batch', { tags: ['ok', 'fine\tline'] })).not.toThrow();
  });
});
