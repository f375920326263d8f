// A seeded pseudo-random generator (mulberry32) so that a seed replays the same plant on every run and Node
// version. Not for cryptography; one stream per machine keeps machines independent of each other.
// Math bound once: global lookups are slow inside vm contexts (jest), and this is the hot path.
const { PI, cos, floor, imul, log, sqrt } = Math;

/** Mixes a seed and a stream index into a well-spread 32-bit state (splitmix32 finaliser). */
export function mixSeed(seed: number, stream: number): number {
  let z = (imul(seed | 0, 0x9e3779b9) ^ imul(stream + 1, 0x85ebca6b)) >>> 0;
  z = imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer uniform in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + floor(this.next() * (max - min + 1));
  }

  /** Standard normal (Box-Muller; one value per call keeps the stream position simple). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return sqrt(-2 * log(u)) * cos(2 * PI * v);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly [T, ...T[]]): T {
    return items[floor(this.next() * items.length)] ?? items[0];
  }
}
