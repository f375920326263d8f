import { CmapssParseError, cappedRulTargets, groupByUnit, parseCmapss } from '../../src/rul-model';
import { syntheticFleet, toCmapssText } from './fixtures';

const FD001_HEAD = `1 1 -0.0007 -0.0004 100.0 518.67 641.82 1589.70 1400.60 14.62 21.61 554.36 2388.06 9046.19 1.30 47.47 521.66 2388.02 8138.62 8.4195 0.03 392 2388 100.00 39.06 23.4190  
1 2 0.0019 -0.0003 100.0 518.67 642.15 1591.82 1403.14 14.62 21.61 553.75 2388.04 9044.07 1.30 47.49 522.28 2388.07 8131.49 8.4318 0.03 392 2388 100.00 39.00 23.4236  
`;

describe('parseCmapss', () => {
  it('reads unit, cycle, 3 settings and 21 sensors from a C-MAPSS row with trailing blanks', () => {
    const [first, second, ...rest] = parseCmapss(FD001_HEAD);
    expect(rest).toHaveLength(0);
    expect(first).toEqual({
      unit: 1,
      cycle: 1,
      settings: [-0.0007, -0.0004, 100],
      sensors: [
        518.67, 641.82, 1589.7, 1400.6, 14.62, 21.61, 554.36, 2388.06, 9046.19, 1.3, 47.47, 521.66, 2388.02,
        8138.62, 8.4195, 0.03, 392, 2388, 100, 39.06, 23.419,
      ],
    });
    expect(second?.cycle).toBe(2);
    expect(second?.sensors[20]).toBe(23.4236);
  });

  it('skips empty lines and accepts CRLF line ends', () => {
    expect(parseCmapss(`\r\n${FD001_HEAD.replace(/\n/g, '\r\n')}\r\n\r\n`)).toHaveLength(2);
  });

  it('names the line of a row with a missing column', () => {
    const broken = FD001_HEAD + '2 1 0 0 100 1 2 3\n';
    expect(() => parseCmapss(broken)).toThrow(CmapssParseError);
    expect(() => parseCmapss(broken)).toThrow('line 3: expected 26 columns, found 8');
  });

  it('names the column of a value that is not a number', () => {
    expect(() => parseCmapss(FD001_HEAD.replace('641.82', 'n/a'))).toThrow(
      'line 1: column 7 is not a number: "n/a"',
    );
  });

  it('round-trips the synthetic fleet written as C-MAPSS text', () => {
    const fleet = syntheticFleet(3);
    expect(parseCmapss(toCmapssText(fleet))).toEqual(fleet);
  });
});

describe('groupByUnit and cappedRulTargets', () => {
  it('groups rows by unit in ascending unit order with cycles sorted', () => {
    const fleet = syntheticFleet(3);
    const grouped = groupByUnit([...fleet].reverse());
    expect([...grouped.keys()]).toEqual([1, 2, 3]);
    const unit2 = grouped.get(2) ?? [];
    expect(unit2.map((r) => r.cycle)).toEqual(Array.from({ length: 74 }, (_, i) => i + 1));
  });

  it('counts cycles to the last one, capped (piecewise-linear target)', () => {
    const history = syntheticFleet(1).slice(0, 10);
    expect(cappedRulTargets(history, 5)).toEqual([5, 5, 5, 5, 5, 4, 3, 2, 1, 0]);
    expect(cappedRulTargets([], 125)).toEqual([]);
  });
});
