import { isLoopbackHost } from '../src/network';

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    '127.0.0.1',
    '127.1.2.3',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
  ])('takes %s', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each([
    '0.0.0.0',
    '::',
    '10.0.0.7',
    '128.0.0.1',
    '127.0.0.1.example.com',
    'localhost.example.com',
    '::ffff:10.0.0.1',
    'kiln-ingestion',
    '',
  ])('refuses %s', (host) => expect(isLoopbackHost(host)).toBe(false));
});
