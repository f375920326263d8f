// Key to partition exactly as the Java client's and kafkajs' DefaultPartitioner do it, so a key lands on the
// same partition number in process as on a real Kafka topic with the same partition count.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.byteLength;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let h = (SEED ^ length) | 0;
  const words = length >>> 2;
  for (let i = 0; i < words; i += 1) {
    let k = view.getInt32(i * 4, true);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & 3;
  const base = length - tail;
  if (tail >= 3) h ^= view.getUint8(base + 2) << 16;
  if (tail >= 2) h ^= view.getUint8(base + 1) << 8;
  if (tail >= 1) {
    h ^= view.getUint8(base);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** `toPositive(murmur2(utf8(key))) % partitions`, the DefaultPartitioner's rule for keyed records. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
