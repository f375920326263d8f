// The Sparkplug B protobuf codec of `sparkplug-payload`, looked up once by namespace.
import { get } from 'sparkplug-payload';
import type { UPayload } from 'sparkplug-payload/lib/sparkplugbpayload';

const codec = get('spBv1.0');
if (codec === null) throw new Error('sparkplug-payload has no codec for spBv1.0');
const spB = codec;

export function encodePayload(payload: UPayload): Uint8Array {
  return spB.encodePayload(payload);
}

export function decodePayload(bytes: Uint8Array): UPayload {
  return spB.decodePayload(bytes);
}
