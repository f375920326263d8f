// The order `kiln start` starts services in, from the topics they declare: a consumer starts before the producers
// of what it consumes, so that on the in-process bus (where a group sees only what is published after it joined)
// it misses nothing, and components stop in reverse order, so a producer's last records still reach its consumers.
// Where services feed each other in a circle (OEE reads ERP orders, erp-sync reads OEE results), the list's
// order decides. Pure: no I/O.

export interface StartNode {
  readonly id: string;
  readonly consumes: readonly { readonly name: string }[];
  readonly produces: readonly { readonly name: string }[];
}

/** The nodes, consumers before producers; ties, and the members of a circle, in list order. */
export function startOrder<N extends StartNode>(nodes: readonly N[]): N[] {
  // before[i]: the indexes of the nodes that start before node i (the consumers of what it produces).
  const before = nodes.map((producer) => {
    const produced = new Set(producer.produces.map((topic) => topic.name));
    return nodes.flatMap((consumer, index) =>
      consumer !== producer && consumer.consumes.some((topic) => produced.has(topic.name)) ? [index] : [],
    );
  });
  const circles = circlesOf(before);
  const started = new Set<number>();
  const order: N[] = [];
  while (started.size < nodes.length) {
    // The first node of the list whose circle waits for nothing outside itself.
    const next = nodes.findIndex(
      (_node, index) =>
        !started.has(index) &&
        circles[index]?.every((member) =>
          (before[member] ?? []).every((other) => started.has(other) || circles[index]?.includes(other)),
        ),
    );
    if (next < 0) throw new Error('start order: no node can start (a bug: circles are started whole)');
    for (const member of circles[next] ?? []) {
      if (started.has(member)) continue;
      started.add(member);
      const node = nodes[member];
      if (node !== undefined) order.push(node);
    }
  }
  return order;
}

/** For each node, the nodes of its circle (its strongly connected component), in list order (Tarjan). */
function circlesOf(edges: readonly (readonly number[])[]): number[][] {
  const index: number[] = edges.map(() => -1);
  const low: number[] = edges.map(() => 0);
  const onStack = edges.map(() => false);
  const stack: number[] = [];
  const circleOf: number[][] = edges.map(() => []);
  let counter = 0;
  const visit = (node: number): void => {
    index[node] = low[node] = counter++;
    stack.push(node);
    onStack[node] = true;
    for (const next of edges[node] ?? []) {
      if (index[next] === -1) {
        visit(next);
        low[node] = Math.min(low[node] ?? 0, low[next] ?? 0);
      } else if (onStack[next]) {
        low[node] = Math.min(low[node] ?? 0, index[next] ?? 0);
      }
    }
    if (low[node] !== index[node]) return;
    const circle: number[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack[member] = false;
      circle.push(member);
      if (member === node) break;
    }
    circle.sort((a, b) => a - b);
    for (const member of circle) circleOf[member] = circle;
  };
  edges.forEach((_edge, node) => {
    if (index[node] === -1) visit(node);
  });
  return circleOf;
}
