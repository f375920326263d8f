// Cycles of a directed graph, one per tangle: each strongly connected component (Tarjan) of more than one node,
// or a node with an edge to itself, reported as one closed path through it (`a -> b -> a`).

export type Graph = ReadonlyMap<string, ReadonlySet<string>>;

/** One cycle per strongly connected component, each starting and ending at the component's first node by name. */
export function findCycles(graph: Graph): string[][] {
  return stronglyConnected(graph)
    .filter((component) => component.length > 1 || edgesOf(graph, component[0] ?? '').has(component[0] ?? ''))
    .map((component) => closedPath(graph, new Set(component)))
    .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

function stronglyConnected(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    lowLink.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of edgesOf(graph, node)) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, lowLink.get(next) ?? 0));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** The shortest path from the component's first node back to itself, staying inside the component. */
function closedPath(graph: Graph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0] ?? '';
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head] ?? '';
    for (const next of [...edgesOf(graph, node)].sort()) {
      if (!component.has(next)) continue;
      if (next === start) return [...pathTo(cameFrom, start, node), start];
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, node);
      queue.push(next);
    }
  }
  return [start, start];
}

function pathTo(cameFrom: ReadonlyMap<string, string>, start: string, end: string): string[] {
  const path = [end];
  for (let node = end; node !== start;) {
    node = cameFrom.get(node) ?? start;
    path.unshift(node);
  }
  return path;
}

function edgesOf(graph: Graph, node: string): ReadonlySet<string> {
  return graph.get(node) ?? new Set();
}
