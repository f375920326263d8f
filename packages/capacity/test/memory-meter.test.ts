// The memory meter's pure parts: VmRSS from /proc/<pid>/status, and a window's readings summed up.
import { MemoryMeter, memoryLine, parseRssMiB, summarizeMemory } from '../src/memory-meter';

const STATUS = `Name:\tnode
VmPeak:\t 1234567 kB
VmRSS:\t  524288 kB
RssAnon:\t  400000 kB
`;

it('reads VmRSS in MiB, and nothing from a status without it', () => {
  expect(parseRssMiB(STATUS)).toBe(512);
  expect(parseRssMiB('Name:\tkthreadd\nState:\tS (sleeping)\n')).toBeUndefined();
});

it('summarizes a window by its start, end, maximum and the minutes in between', () => {
  const start = 1_000_000;
  const readings = [0, 1, 2, 3, 4, 5, 5.5].map((minute, index) => ({
    atMs: start + minute * 60_000,
    mib: 1000 + index * 10 - (index === 6 ? 30 : 0),
  }));
  const summary = summarizeMemory('kiln', readings);
  expect(summary).toMatchObject({ startMiB: 1000, endMiB: 1030, maxMiB: 1050 });
  expect(summary?.later.map((one) => one.minute)).toEqual([1, 2, 3, 4, 5, 5.5]);
  expect(summary && memoryLine(summary)).toBe(
    'kiln RSS 1000 > 1030 MiB (+3.0 %, max 1050); by minute: 1: 1010, 2: 1020, 3: 1030, 4: 1040, 5: 1050, 5.5: 1030',
  );
  expect(summarizeMemory('gone', [])).toBeUndefined();
});

it('reads this very process, and leaves out one that is gone', () => {
  const meter = new MemoryMeter([
    { name: 'bench', pid: process.pid },
    { name: 'gone', pid: 2 ** 22 + 1 },
  ]);
  meter.start();
  const [self, ...rest] = meter.stop();
  expect(rest).toEqual([]);
  expect(self?.name).toBe('bench');
  expect(self?.startMiB).toBeGreaterThan(10);
});
