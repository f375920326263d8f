// Which kiln.raw.v1 record key an MQTT sample travels under. One MQTT connector reads a whole plant's broker: under
// its one source id every sample would share one key, so one partition and one normalization consumer. The tag (a
// function of the MQTT topic, thus of the device) picks one of a fixed number of keys instead: the samples spread
// over the partitions, a tag's samples always share a key (their order holds, docs/architecture.md section 2),
// and batches stay large (a key gathers many tags). Pure.

/** More keys than the default 12 partitions, so murmur2 spreads them evenly enough; few enough to batch well. */
export const MQTT_KEYS_PER_SOURCE = 64;

/** `<source id>#<n>`, n in [0, MQTT_KEYS_PER_SOURCE): the same for the same tag, across restarts and versions. */
export function mqttRecordKey(sourceId: string, tag: string): string {
  return `${sourceId}#${fnv1a(tag) % MQTT_KEYS_PER_SOURCE}`;
}

// FNV-1a, 32 bits, over UTF-16 code units: stable, fast, no allocation.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
