/**
 * Small seeded random numbers. Every stream is derived from (seed, labels...) so each meter-day
 * draws the same numbers however the generator walks the data: files stay byte-identical and
 * the expected-versions iterator can replay the generator without writing anything.
 */

/** 32-bit hash mix of integers (murmur3 finaliser over a running state). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h ^= part | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A stable urn:uuid from labels (so files are byte-identical per seed). */
export function urnUuid(...labels: (number | string)[]): string {
  const numbers = labels.map((label) => (typeof label === 'number' ? label : mixSeed(...Array.from(label, (c) => c.charCodeAt(0)))));
  const hex = [1, 2, 3, 4].map((i) => mixSeed(i, ...numbers).toString(16).padStart(8, '0')).join('');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** mulberry32: a fast 32-bit generator, good enough for synthetic data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Rng for the stream named by the labels. */
  static of(...parts: number[]): Rng {
    return new Rng(mixSeed(...parts));
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Pick by weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let target = this.next() * total;
    for (const [item, weight] of items) {
      target -= weight;
      if (target < 0) return item;
    }
    return items[items.length - 1][0];
  }

  /** Lower-case hex string of the given length. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 0x10000).toString(16).padStart(4, '0');
    return out.slice(0, length);
  }
}

/** Stream labels, so no two purposes share a random stream. */
export const Stream = {
  meters: 1,
  meterDay: 2,
  delivery: 3,
  badRows: 4,
  badFile: 5,
  arrival: 6,
  agreements: 7,
} as const;
