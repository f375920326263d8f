// The box floor's bare server as the bench runs it: the built script in a process of its own.
import { join } from 'node:path';
import { BareServerProcess } from '../src/api/control';

// The built server: jest runs the sources, and a forked process needs JavaScript (turbo builds before testing).
const SCRIPT = join(__dirname, '..', 'dist', 'api', 'bare-server.js');

describe('BareServerProcess', () => {
  it('answers every path with the same small JSON on a port of its own, and ends on stop', async () => {
    const server = await BareServerProcess.start(SCRIPT);
    try {
      expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      for (const path of ['/', '/api/v1/telemetry/latest?signal=a%2Fb']) {
        const response = await fetch(`${server.baseUrl}${path}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ values: [] });
      }
    } finally {
      await server.stop();
    }
    expect(() => process.kill(server.pid, 0)).toThrow();
  });
});
