import { findCycles, type Graph } from '../src/cycles';

const graph = (edges: Record<string, string[]>): Graph =>
  new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));

describe('findCycles', () => {
  it('finds none in a layered graph', () => {
    expect(findCycles(graph({ app: ['service', 'core'], service: ['core'], core: [] }))).toEqual([]);
  });

  it('reports each tangle once, as a closed path from its first member', () => {
    const cycles = findCycles(graph({ b: ['c'], c: ['a', 'd'], a: ['b'], d: ['e'], e: ['d'], f: ['a'] }));
    expect(cycles).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'e', 'd'],
    ]);
  });

  it('reports a package that depends on itself', () => {
    expect(findCycles(graph({ a: ['a'] }))).toEqual([['a', 'a']]);
  });
});
