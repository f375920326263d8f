// The duplicate window is a ring of times beside the samples' own values; until issue 17 it was a Map from time to
// a text key per value. These properties hold the ring to the Map's answers on random streams.
import type { Value } from '@kiln/contracts';
import fc from 'fast-check';
import { DuplicateWindow } from '../src/duplicate-window';
import { sameValue } from '../src/sample-value';

/** The text key the Map held per value, as it was. */
function valueKey(value: Value | undefined): string {
  const kind = value?.kind;
  if (kind === undefined) return '-';
  if (kind.$case === 'arrayValue') return `a:${kind.value.values.join(',')}`;
  return `${kind.$case.charAt(0)}:${String(kind.value)}`;
}

/** The Map the window was: a time seen again moves to the newest place, the oldest time goes past the window. */
class MapWindow {
  private readonly recent = new Map<number, string>();
  constructor(private readonly window: number) {}
  holds(timeUs: number, value: Value | undefined): boolean {
    return this.recent.get(timeUs) === valueKey(value);
  }
  remember(timeUs: number, value: Value | undefined): void {
    this.recent.delete(timeUs);
    this.recent.set(timeUs, valueKey(value));
    if (this.recent.size > this.window) {
      const oldest = this.recent.keys().next();
      if (oldest.done !== true) this.recent.delete(oldest.value);
    }
  }
}

// Few distinct numbers, so that equal values and equal times are common.
const number = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.1, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.MIN_VALUE),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
);
const value: fc.Arbitrary<Value | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant<Value>({ kind: undefined }),
  number.map((v) => ({ kind: { $case: 'numberValue' as const, value: v } })),
  fc.integer({ min: -2, max: 2 }).map((v) => ({ kind: { $case: 'intValue' as const, value: v } })),
  fc.boolean().map((v) => ({ kind: { $case: 'boolValue' as const, value: v } })),
  fc
    .constantFrom('', '1', 'true', 'a,b', 'NaN')
    .map((v) => ({ kind: { $case: 'stringValue' as const, value: v } })),
  fc
    .array(number, { maxLength: 3 })
    .map((values) => ({ kind: { $case: 'arrayValue' as const, value: { values } } })),
);
const time = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(-0, 1.5, Number.NaN, 1e15, 1e15 + 1));

describe('duplicate window', () => {
  it('tells two values apart exactly when their old text keys differ', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameValue(a, b)).toBe(valueKey(a) === valueKey(b));
        expect(sameValue(a, a)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('answers every look-up of a random stream as the Map did, for any window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.tuple(time, value), { maxLength: 200 }),
        (window, stream) => {
          const ring = new DuplicateWindow(window);
          const map = new MapWindow(window);
          for (const [timeUs, sample] of stream) {
            const duplicate = map.holds(timeUs, sample);
            expect(ring.holds(timeUs, sample)).toBe(duplicate);
            // As the normalizer does: a duplicate is dropped, anything else remembered.
            if (!duplicate) {
              map.remember(timeUs, sample);
              ring.remember(timeUs, sample);
            }
          }
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('keeps the newest times of an in-order stream and forgets the older ones', () => {
    const ring = new DuplicateWindow(64);
    const one: Value = { kind: { $case: 'numberValue', value: 1 } };
    for (let t = 0; t < 1_000; t += 1) ring.remember(t, one);
    expect(ring.holds(999, one)).toBe(true);
    expect(ring.holds(936, one)).toBe(true);
    expect(ring.holds(935, one)).toBe(false);
    expect(ring.holds(1_000, one)).toBe(false);
  });

  it('refuses a window that is not a whole number >= 0', () => {
    expect(() => new DuplicateWindow(-1)).toThrow(RangeError);
    expect(() => new DuplicateWindow(2.5)).toThrow(/whole number/);
  });
});
