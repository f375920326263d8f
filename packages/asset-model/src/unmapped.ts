// The unmapped tags of several normalizers (one per raw partition) as one list.
import type { UnmappedTag } from './normalize-result';

/** One entry per source and tag (a source may have moved partitions), most frequent first. */
export function mergeUnmapped(tags: readonly UnmappedTag[]): UnmappedTag[] {
  const merged = new Map<string, UnmappedTag>();
  for (const tag of tags) {
    const key = `${tag.sourceId}\u0000${tag.tag}`;
    const known = merged.get(key);
    merged.set(
      key,
      known === undefined
        ? tag
        : {
            ...(tag.lastSeenUs >= known.lastSeenUs ? tag : known),
            count: known.count + tag.count,
            firstSeenUs: Math.min(known.firstSeenUs, tag.firstSeenUs),
            lastSeenUs: Math.max(known.lastSeenUs, tag.lastSeenUs),
          },
    );
  }
  return [...merged.values()].sort((a, b) => b.count - a.count);
}
