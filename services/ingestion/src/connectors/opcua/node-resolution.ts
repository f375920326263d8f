// Turns the configured nodes (NodeIds, browse paths, browsed subtrees) into the NodeIds to monitor, each with
// its tag. Runs on every new session: after a server restart, browse paths are resolved again.
import {
  BrowseDirection,
  NodeClass,
  NodeClassMask,
  NodeId,
  ObjectIds,
  ReferenceTypeIds,
  browseAll,
  resolveNodeId,
  type BrowseDescriptionLike,
  type ClientSession,
  type ReferenceDescription,
} from 'node-opcua';
import type { OpcuaConnectorConfig, OpcuaDeadband } from './config';

export interface MonitoredNode {
  readonly nodeId: NodeId;
  readonly tag: string;
  readonly samplingIntervalMs: number;
  readonly deadband: OpcuaDeadband;
  /** The configuration key it came from, for logs: `nodes[3].browsePath`. */
  readonly origin: string;
}

export interface NodeResolution {
  readonly nodes: MonitoredNode[];
  /** Configured nodes that could not be resolved, with the reason (the others are monitored anyway). */
  readonly problems: string[];
}

/** Browse requests per call: servers cap MaxNodesPerBrowse, and 500 keeps one request well under 1 MiB. */
const BROWSE_CHUNK = 500;

type Session = Pick<ClientSession, 'browse' | 'browseNext' | 'read' | 'readNamespaceArray'>;

export async function resolveNodes(session: Session, config: OpcuaConnectorConfig): Promise<NodeResolution> {
  const browser = new HierarchyBrowser(session);
  const nodes: MonitoredNode[] = [];
  const problems: string[] = [];
  let namespaceArray: string[] | undefined;
  const toNodeId = async (text: string): Promise<NodeId> => {
    if (!text.startsWith('nsu=')) return resolveNodeId(text);
    namespaceArray ??= await session.readNamespaceArray();
    const separator = text.indexOf(';');
    const uri = text.slice('nsu='.length, separator);
    const index = namespaceArray.indexOf(uri);
    if (index < 0) throw new Error(`the server has no namespace ${uri}`);
    return resolveNodeId(`ns=${index};${text.slice(separator + 1)}`);
  };

  for (const [index, node] of config.nodes.entries()) {
    const samplingIntervalMs = node.samplingIntervalMs ?? config.subscription.samplingIntervalMs;
    const deadband = node.deadband ?? config.subscription.deadband;
    const base = { samplingIntervalMs, deadband };
    try {
      if (node.nodeId !== undefined) {
        const origin = `nodes[${index}].nodeId`;
        nodes.push({ ...base, nodeId: await toNodeId(node.nodeId), tag: node.tag ?? node.nodeId, origin });
      } else if (node.browsePath !== undefined) {
        const origin = `nodes[${index}].browsePath`;
        const nodeId = await browser.resolvePath(node.browsePath);
        nodes.push({ ...base, nodeId, tag: node.tag ?? tagOfPath(node.browsePath), origin });
      } else if (node.browse !== undefined) {
        const origin = `nodes[${index}].browse`;
        const root = node.browse.root;
        const rootId = root.startsWith('/') ? await browser.resolvePath(root) : await toNodeId(root);
        const prefix = node.tag ?? (root.startsWith('/') ? tagOfPath(root) : root);
        const variables = await browser.variablesBelow(rootId, node.browse.maxDepth);
        if (variables.length === 0)
          problems.push(`${origin}: no Variable within ${node.browse.maxDepth} levels of ${root}`);
        for (const variable of variables) {
          nodes.push({ ...base, nodeId: variable.nodeId, tag: `${prefix}/${variable.relativePath}`, origin });
        }
      }
    } catch (error) {
      problems.push(`nodes[${index}]: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { nodes, problems };
}

/** `/Objects/2:Plant/Line1/temp` -> `Plant/Line1/temp`: names only, so a tag survives namespace renumbering. */
export function tagOfPath(path: string): string {
  const names = path
    .split('/')
    .filter((segment) => segment.length > 0)
    .map((segment) => parseSegment(segment).name);
  if (names[0] === 'Objects' && names.length > 1) names.shift();
  return names.join('/');
}

interface Segment {
  readonly namespaceIndex?: number;
  readonly name: string;
}

function parseSegment(segment: string): Segment {
  const match = /^(\d+):(.+)$/.exec(segment);
  if (match === null || match[1] === undefined || match[2] === undefined) return { name: segment };
  return { namespaceIndex: Number(match[1]), name: match[2] };
}

/** Browses hierarchical references forward, caching each node's children for the rest of the resolution. */
class HierarchyBrowser {
  private readonly children = new Map<string, ReferenceDescription[]>();

  constructor(private readonly session: Session) {}

  async resolvePath(path: string): Promise<NodeId> {
    let current = resolveNodeId(ObjectIds.RootFolder);
    const walked: string[] = [];
    for (const segment of path.split('/').filter((part) => part.length > 0)) {
      const wanted = parseSegment(segment);
      const [children] = await this.childrenOf([current]);
      const match = (children ?? []).find(
        (child) =>
          child.browseName.name === wanted.name &&
          (wanted.namespaceIndex === undefined || child.browseName.namespaceIndex === wanted.namespaceIndex),
      );
      if (match === undefined) {
        throw new Error(`browse path ${path}: /${walked.join('/')} has no child named ${segment}`);
      }
      walked.push(segment);
      current = localNodeId(match);
    }
    return current;
  }

  async variablesBelow(root: NodeId, maxDepth: number): Promise<{ nodeId: NodeId; relativePath: string }[]> {
    const found: { nodeId: NodeId; relativePath: string }[] = [];
    const visited = new Set<string>([root.toString()]);
    let level: { nodeId: NodeId; relativePath: string }[] = [{ nodeId: root, relativePath: '' }];
    for (let depth = 1; depth <= maxDepth && level.length > 0; depth += 1) {
      const childrenOfLevel = await this.childrenOf(level.map((entry) => entry.nodeId));
      const next: { nodeId: NodeId; relativePath: string }[] = [];
      level.forEach((parent, index) => {
        for (const child of childrenOfLevel[index] ?? []) {
          // Properties (EURange, EngineeringUnits, ...) describe a variable; they are not signals of their own.
          if (sameNumeric(child.referenceTypeId, ReferenceTypeIds.HasProperty)) continue;
          if (child.nodeClass !== NodeClass.Variable && child.nodeClass !== NodeClass.Object) continue;
          const nodeId = localNodeId(child);
          if (visited.has(nodeId.toString())) continue;
          visited.add(nodeId.toString());
          const name = child.browseName.name ?? nodeId.toString();
          const entry = {
            nodeId,
            relativePath: parent.relativePath === '' ? name : `${parent.relativePath}/${name}`,
          };
          if (child.nodeClass === NodeClass.Variable) found.push(entry);
          next.push(entry);
        }
      });
      level = next;
    }
    return found;
  }

  private async childrenOf(parents: NodeId[]): Promise<ReferenceDescription[][]> {
    const missing = [...new Set(parents.map((parent) => parent.toString()))].filter(
      (key) => !this.children.has(key),
    );
    for (let start = 0; start < missing.length; start += BROWSE_CHUNK) {
      const chunk = missing.slice(start, start + BROWSE_CHUNK);
      const descriptions: BrowseDescriptionLike[] = chunk.map((key) => ({
        nodeId: resolveNodeId(key),
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: resolveNodeId(ReferenceTypeIds.HierarchicalReferences),
        includeSubtypes: true,
        nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
        resultMask: 0x3f,
      }));
      const results = await browseAll(this.session, descriptions);
      results.forEach((result, index) => {
        const key = chunk[index];
        if (key === undefined) return;
        if (result.statusCode.isNotGood()) {
          throw new Error(`browsing ${key} failed: ${result.statusCode.toString()}`);
        }
        this.children.set(key, result.references ?? []);
      });
    }
    return parents.map((parent) => this.children.get(parent.toString()) ?? []);
  }
}

function localNodeId(reference: ReferenceDescription): NodeId {
  const target = reference.nodeId;
  return new NodeId(target.identifierType, target.value, target.namespace);
}

function sameNumeric(nodeId: NodeId, numeric: number): boolean {
  return nodeId.namespace === 0 && nodeId.value === numeric;
}
