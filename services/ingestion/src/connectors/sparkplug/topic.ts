// Sparkplug B topic namespace (spec 4.1): `spBv1.0/<group>/<message type>/<edge node>[/<device>]` and the host
// STATE topic `spBv1.0/STATE/<host id>`.

export const SPARKPLUG_NAMESPACE = 'spBv1.0';

export type EdgeMessageType = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD' | 'DBIRTH' | 'DDEATH' | 'DDATA' | 'DCMD';

const EDGE_TYPES: ReadonlySet<string> = new Set<EdgeMessageType>([
  'NBIRTH',
  'NDEATH',
  'NDATA',
  'NCMD',
  'DBIRTH',
  'DDEATH',
  'DDATA',
  'DCMD',
]);

export type SparkplugTopic =
  | {
      readonly kind: 'edge';
      readonly type: EdgeMessageType;
      readonly groupId: string;
      readonly edgeNodeId: string;
      readonly deviceId?: string;
    }
  | { readonly kind: 'state'; readonly hostId: string };

/** Reads a topic; undefined when it is not a Sparkplug B topic Kiln understands. */
export function parseSparkplugTopic(topic: string): SparkplugTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== SPARKPLUG_NAMESPACE) return undefined;
  if (parts[1] === 'STATE') {
    const hostId = parts[2];
    return parts.length === 3 && hostId !== undefined && hostId !== ''
      ? { kind: 'state', hostId }
      : undefined;
  }
  const [, groupId, type, edgeNodeId, deviceId] = parts;
  if (groupId === undefined || type === undefined || edgeNodeId === undefined) return undefined;
  if (groupId === '' || edgeNodeId === '' || !EDGE_TYPES.has(type)) return undefined;
  const edgeType = type as EdgeMessageType;
  const deviceLevel = edgeType.startsWith('D');
  if (deviceLevel) {
    if (parts.length !== 5 || deviceId === undefined || deviceId === '') return undefined;
    return { kind: 'edge', type: edgeType, groupId, edgeNodeId, deviceId };
  }
  return parts.length === 4 ? { kind: 'edge', type: edgeType, groupId, edgeNodeId } : undefined;
}

export function stateTopic(hostId: string): string {
  return `${SPARKPLUG_NAMESPACE}/STATE/${hostId}`;
}

export function nodeCommandTopic(groupId: string, edgeNodeId: string): string {
  return `${SPARKPLUG_NAMESPACE}/${groupId}/NCMD/${edgeNodeId}`;
}
