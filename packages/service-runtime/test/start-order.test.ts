import { startOrder, type StartNode } from '../src/start-order';

const topic = (name: string) => ({ name });
const node = (id: string, consumes: string[], produces: string[]): StartNode => ({
  id,
  consumes: consumes.map(topic),
  produces: produces.map(topic),
});
const ids = (nodes: readonly StartNode[]) => startOrder(nodes).map((entry) => entry.id);

describe('startOrder', () => {
  it('starts a consumer before the producer of what it consumes, whatever the list order', () => {
    const ingestion = node('ingestion', [], ['raw']);
    const normalization = node('normalization', ['raw'], ['state']);
    const oee = node('oee', ['state'], ['oee']);
    expect(ids([ingestion, normalization, oee])).toEqual(['oee', 'normalization', 'ingestion']);
    expect(ids([oee, ingestion, normalization])).toEqual(['oee', 'normalization', 'ingestion']);
  });

  it('keeps the list order between services that do not feed each other', () => {
    expect(ids([node('b', [], ['x']), node('a', [], ['y']), node('c', ['z'], [])])).toEqual(['b', 'a', 'c']);
  });

  it('starts a circle whole, in list order, once what it feeds has started', () => {
    // oee and erp-sync feed each other; both feed nothing else but are fed by normalization.
    const nodes = [
      node('ingestion', [], ['raw']),
      node('normalization', ['raw'], ['counts']),
      node('oee', ['counts', 'orders'], ['oee']),
      node('erp-sync', ['counts', 'oee'], ['orders']),
    ];
    expect(ids(nodes)).toEqual(['oee', 'erp-sync', 'normalization', 'ingestion']);
  });

  it("orders Kiln's six services as kiln start must: the gateway, which feeds everybody, last", () => {
    const nodes = [
      node('ingestion', [], ['raw']),
      node('normalization', ['raw'], ['telemetry', 'state', 'counts']),
      node('oee', ['state', 'counts', 'orders', 'shifts'], ['oee']),
      node('maintenance', ['telemetry'], ['alert', 'health']),
      node('erp-sync', ['counts', 'alert', 'oee'], ['orders', 'shifts']),
      node('gateway', [], ['state', 'counts', 'orders', 'shifts', 'alert']),
    ];
    expect(ids(nodes)).toEqual(['oee', 'erp-sync', 'maintenance', 'normalization', 'ingestion', 'gateway']);
  });

  it('ignores a service consuming what it produces itself', () => {
    expect(ids([node('a', ['x'], ['x']), node('b', ['x'], [])])).toEqual(['b', 'a']);
  });
});
