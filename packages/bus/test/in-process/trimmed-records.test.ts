// A partition lets go of the records it trims: once every group has committed them nothing in the log still
// references them, so their memory is freed at the next collection, not when the log next compacts its array.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { PartitionLog, type NewRecord } from '../../src/in-process/partition-log';

setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function newRecord(): NewRecord {
  return { key: 'press-04', value: new Uint8Array(64 * 1024), headers: {}, timestamp: 0, bytes: 64 * 1024 };
}

describe('in-process partition log', () => {
  it('keeps no reference to the records every group has committed', async () => {
    let committed = 0;
    const log = new PartitionLog('kiln.raw.v1', 0, {
      maxBufferedBytes: 8 * 1024 * 1024,
      logger: silent,
      floors: () => ({ active: committed, retained: committed }),
    });
    const values: WeakRef<Uint8Array>[] = [];
    for (let i = 0; i < 20; i += 1) {
      const record = newRecord();
      values.push(new WeakRef(record.value));
      void log.append(record, 'wait');
    }
    expect(log.read(0, 100)).toHaveLength(20);

    committed = 15;
    log.retentionChanged();
    expect(log.startOffset).toBe(15);
    await nextTurn();
    collectGarbage();

    expect(values.slice(0, 15).filter((value) => value.deref() !== undefined)).toHaveLength(0);
    expect(values.slice(15).every((value) => value.deref() !== undefined)).toBe(true);
    expect(log.read(15, 100).map((record) => record.offset)).toEqual([15, 16, 17, 18, 19]);
  });
});
