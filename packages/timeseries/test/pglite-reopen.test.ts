// The embedded database across a restart: reopening a PGlite data directory that holds TimescaleDB keeps the
// history and still takes new telemetry (the extension's library must be loaded again, not only "created").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistorianWriter, migrate, PgliteDatabase } from '../src';
import { temperatureSample as sample } from './support';

jest.setTimeout(120_000);

it('keeps the history and stores new telemetry after the data directory is opened again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-pglite-'));
  try {
    const first = await PgliteDatabase.create({ dataDir });
    await migrate(first, {});
    await new HistorianWriter(first).writeNamedTelemetry([sample(0), sample(1)]);
    await first.close();

    const second = await PgliteDatabase.create({ dataDir });
    try {
      await migrate(second, {});
      await new HistorianWriter(second).writeNamedTelemetry([sample(2)]);
      const { rows } = await second.query<{ n: number }>('SELECT count(*)::int AS n FROM kiln.telemetry');
      expect(rows[0]?.n).toBe(3);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
