// Pre-encoded HTTP push bodies (docs/ingestion.md, HTTP push): the JSON of a batch is written once per template
// and only its source number and time are patched in before each send, so the generator costs little per sample.

/** A numeric timestamp is epoch milliseconds; 13 digits, a point and 3 more keep microseconds at a fixed width. */
export const TIME_WIDTH = 17;
/**
 * Sources `e2e-000`..`e2e-999`, one per template: each source owns its tags, as a device or an edge gateway does,
 * so a signal comes from one source and lives in one partition's normalizer state, while the sources spread the
 * requests over the raw topic's partitions. (Sending every tag from every source made each partition hold state
 * for every signal of the plant: an unreal load whose checkpoints cost partitions times too much.)
 */
export const SOURCE_DIGITS = 3;
export const SOURCE_COUNT = 10 ** SOURCE_DIGITS;

export interface BodyTemplate {
  readonly bytes: Buffer;
  readonly sourceOffset: number;
  /** Where each reading's time goes: `timeOffsets[k]` holds the offsets of the k-th reading of every tag. */
  readonly timeOffsets: readonly (readonly number[])[];
  readonly samples: number;
}

/** Epoch microseconds as the fixed-width epoch-milliseconds text of a template. */
export function formatTimeMs(us: number): string {
  const text = `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
  if (text.length !== TIME_WIDTH) throw new Error(`time ${us} us does not fit ${TIME_WIDTH} characters`);
  return text;
}

export function formatSource(index: number): string {
  return String(index % SOURCE_COUNT).padStart(SOURCE_DIGITS, '0');
}

/**
 * One body of `readings` readings of the given tags (an edge gateway posting what it read since the last post):
 * reading k of every tag at the patched time + k µs, values fixed per tag.
 */
export function buildTemplate(tags: readonly string[], readings = 1): BodyTemplate {
  const timePlaceholder = '0'.repeat(TIME_WIDTH);
  let text = `{"source":"e2e-`;
  const sourceOffset = Buffer.byteLength(text);
  text += `${'0'.repeat(SOURCE_DIGITS)}","samples":[`;
  const timeOffsets: number[][] = [];
  for (let reading = 0; reading < readings; reading += 1) {
    const offsets: number[] = [];
    tags.forEach((tag, index) => {
      const comma = reading === 0 && index === 0 ? '' : ',';
      text += `${comma}{"tag":${JSON.stringify(tag)},"value":${(index % 97) + 0.5},"timestamp":`;
      offsets.push(Buffer.byteLength(text));
      text += `${timePlaceholder},"quality":"good"}`;
    });
    timeOffsets.push(offsets);
  }
  text += ']}';
  return { bytes: Buffer.from(text), sourceOffset, timeOffsets, samples: tags.length * readings };
}

/** Readings per body so that a body holds about `batchSize` samples of `tagsPerSource` tags. */
export function readingsPerBody(batchSize: number, tagsPerSource: number): number {
  return Math.max(1, Math.floor(batchSize / Math.max(1, tagsPerSource)));
}

/** A copy of the template with its source and time filled in (the copy: a sent buffer may still be queued). */
export function stampBody(template: BodyTemplate, sourceIndex: number, timeUs: number): Buffer {
  const body = Buffer.from(template.bytes);
  body.write(formatSource(sourceIndex), template.sourceOffset, 'latin1');
  template.timeOffsets.forEach((offsets, reading) => {
    const time = formatTimeMs(timeUs + reading);
    for (const offset of offsets) body.write(time, offset, 'latin1');
  });
  return body;
}

/**
 * The batches of a plant: each holds one probe tag first and then the next `batchSize - 1` load tags, so every
 * load tag is in one template and the probes travel inside the load, not beside it.
 */
export function batchTags(
  loadTags: readonly string[],
  batchSize: number,
  probeTag: (index: number) => string,
): string[][] {
  const perBatch = Math.max(1, batchSize - 1);
  const batches: string[][] = [];
  for (let start = 0; start < loadTags.length; start += perBatch) {
    batches.push([probeTag(batches.length), ...loadTags.slice(start, start + perBatch)]);
  }
  return batches;
}

/**
 * A strictly increasing microsecond clock: a body of `span` readings takes `span` microseconds, and no two bodies
 * share one, so no row collides with another.
 */
export class UniqueMicros {
  private last = 0;
  next(nowMs: number, span = 1): number {
    const start = Math.max(Math.floor(nowMs * 1000), this.last + 1);
    this.last = start + span - 1;
    return start;
  }
}

/** Samples per request to pace by: the mean over the templates, which each cycle through them sends exactly. */
export function samplesPerRequest(templates: readonly BodyTemplate[]): number {
  const samples = templates.reduce((sum, template) => sum + template.samples, 0);
  return Math.max(1, samples / Math.max(1, templates.length));
}
