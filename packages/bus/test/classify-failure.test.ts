// classifyFailure decides, once for every consumer, between dead-lettering a record and retrying without end.
import { EventDecodeError, PermanentError, RuleError, TransientError } from '@kiln/contracts';
import { classifyFailure } from '../src';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyFailure', () => {
  it.each([
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22008', 'date/time field value out of range'],
    ['23505', 'duplicate key value violates unique constraint'],
    ['54000', 'index row size exceeds maximum'],
  ])('calls SQLSTATE %s a failure of the record', (code, message) => {
    expect(classifyFailure(withCode(message, code))).toBe('permanent');
  });

  it.each([
    ['08006', 'connection failure'],
    ['57P01', 'terminating connection due to administrator command'],
    ['53300', 'too many connections'],
    ['40001', 'could not serialize access'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'],
    ['ECONNRESET', 'read ECONNRESET'],
  ])('calls %s a failure of the world', (code, message) => {
    expect(classifyFailure(withCode(message, code))).toBe('transient');
  });

  it('reads the messages of clients that throw plain errors when their connection is gone', () => {
    expect(classifyFailure(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(classifyFailure(new Error('timeout exceeded when trying to connect'))).toBe('transient');
    expect(classifyFailure(new Error('Connection is closed.'))).toBe('transient');
  });

  it('looks through the cause chain, the nearest known class deciding', () => {
    const inner = withCode('null value in column "asset_id"', '23502');
    expect(classifyFailure(new Error('storing failed', { cause: inner }))).toBe('permanent');
    expect(classifyFailure(new TransientError('wrapped', { cause: inner }))).toBe('transient');
  });

  it('knows its own classes and the decode errors by name, and a kafkajs retriable error', () => {
    expect(classifyFailure(new RuleError('goodCount is -1'))).toBe('permanent');
    expect(classifyFailure(new PermanentError('refused'))).toBe('permanent');
    expect(classifyFailure(new EventDecodeError('kiln.raw.v1', 'at byte 0: invalid wire type 7'))).toBe(
      'permanent',
    );
    const decode = Object.assign(new Error('cannot decode'), { name: 'EventDecodeError' });
    expect(classifyFailure(decode)).toBe('permanent');
    expect(classifyFailure(Object.assign(new Error('leader not available'), { retriable: true }))).toBe(
      'transient',
    );
  });

  it('leaves anything else unknown, also a cycle of causes', () => {
    expect(classifyFailure(new TypeError('x is undefined'))).toBe('unknown');
    expect(classifyFailure('a string')).toBe('unknown');
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(classifyFailure(a)).toBe('unknown');
  });
});
