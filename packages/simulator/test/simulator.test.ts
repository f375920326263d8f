import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@kiln/service-kit';
import { loadSimulatorConfig, modbusRegisterMapOf, parseSimulatorConfig, startSimulator } from '../src';
import { pkiFolder } from './pki';

const dir = mkdtempSync(join(tmpdir(), 'kiln-sim-config-'));

describe('the simulator configuration', () => {
  it('loads the example file', () => {
    const config = loadSimulatorConfig({ file: join(__dirname, '..', 'simulator.example.yaml'), env: {} });
    expect(config.speedFactor).toBe(60);
    expect(config.plant.lines).toBe(2);
    expect(config.opcua.securityModes).toEqual(['None', 'SignAndEncrypt']);
  });

  it('rejects an unknown key naming the file, line and key', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'seed: 1\nplant:\n  lines: 2\n  machinez: 4\n');
    expect(() => loadSimulatorConfig({ file, env: {} })).toThrow(ConfigError);
    expect(() => loadSimulatorConfig({ file, env: {} })).toThrow(/bad\.yaml:4/);
  });

  it('takes overrides from KILN_SIM_* variables', () => {
    const config = loadSimulatorConfig({ env: { KILN_SIM_SPEED_FACTOR: '600', KILN_SIM_LINES: '5' } });
    expect(config.speedFactor).toBe(600);
    expect(config.plant.lines).toBe(5);
  });

  it('derives the Modbus register map from a configuration', () => {
    const map = modbusRegisterMapOf(parseSimulatorConfig({ modbus: { wordOrder: 'CDAB' } }));
    expect(
      map.find(
        (e) =>
          e.area === 'holding' && e.assetId === 'acme/plant-1/line-2/machine-1' && e.signal === 'vibration',
      ),
    ).toEqual(expect.objectContaining({ address: 4 * 32 + 10, type: 'float32', wordOrder: 'CDAB' }));
  });
});

describe('startSimulator', () => {
  it('runs the plant on the real-time clock times the speed factor and serves it', async () => {
    const config = parseSimulatorConfig({
      seed: 5,
      speedFactor: 600,
      tickMs: 20,
      startTime: '2025-03-03T05:00:00Z',
      opcua: { port: 0, pkiDir: pkiFolder('server') },
      mqtt: { enabled: false },
      modbus: { host: '127.0.0.1', port: 0 },
    });
    const simulator = await startSimulator(config);
    try {
      expect(simulator.opcua?.endpointUrl).toMatch(/^opc\.tcp:\/\//);
      expect(simulator.modbus?.port).toBeGreaterThan(0);
      const before = simulator.plant.nowMs;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const advancedMs = simulator.plant.nowMs - before;
      // ~500 ms real x 600 = ~300 s simulated (timers on a busy machine run late, the clock catches up).
      expect(advancedMs).toBeGreaterThan(200_000);
      expect(advancedMs).toBeLessThan(600_000);
      expect(simulator.opcua?.stats().valueUpdates).toBeGreaterThan(0);
    } finally {
      await simulator.stop();
    }
  }, 60_000);
});
