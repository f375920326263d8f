// The box floor's bare server as the bench runs it: the built script in a process of its own.
import { join } from 'node:path';
import { BareServerProcess } from '../src/api/control';

// The built server: jest runs the sources, and a forked process needs JavaScript (turbo builds before testing).
const SCRIPT = join(__dirname, '..', 'dist', 'api', 'bare-server.js');

describe('BareServerProcess', () => {
  it('answers every path with a latest-value answer of the values asked, on a port of its own, and ends on stop', async () => {
    const server = await BareServerProcess.start(3, SCRIPT);
    try {
      expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      for (const path of ['/', '/api/v1/telemetry/latest?signal=a%2Fb']) {
        const response = await fetch(`${server.baseUrl}${path}`);
        expect(response.status).toBe(200);
        const body = (await response.json()) as { values: { signal: string; quality: string }[] };
        expect(body.values.map((value) => value.signal)).toEqual([
          'e2e/site/area/line/a0/s0',
          'e2e/site/area/line/a0/s1',
          'e2e/site/area/line/a0/s2',
        ]);
        expect(body.values[0]).toEqual(expect.objectContaining({ quality: 'good', valueText: null }));
      }
    } finally {
      await server.stop();
    }
    expect(() => process.kill(server.pid, 0)).toThrow();
  });
});
