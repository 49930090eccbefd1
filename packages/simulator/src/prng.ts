/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32).
 *
 * The simulator keeps one independent stream per concern (task ids, outcomes, tokens, faults), each
 * derived from the seed and a label, so that turning on a fault does not change the task ids or
 * rectangles a test expects: runs stay reproducible even when only part of a scenario changes.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(seed: number) {
    const next = splitmix32(seed);
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // sfc32 recommends discarding the first outputs so nearby seeds diverge.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A stream for `label` under `seed`; the same pair always yields the same sequence. */
  static stream(seed: number, label: string): Prng {
    return new Prng(mix32(seed >>> 0, fnv1a32(label)));
  }

  /** A stream from raw 32-bit words (e.g. the seed mixed with a hash of an image). */
  static fromWords(...words: number[]): Prng {
    return new Prng(words.reduce((acc, word) => mix32(acc, word >>> 0), 0x9e3779b9));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `rate`; a rate of 0 never draws, so unused faults leave the stream alone. */
  chance(rate: number): boolean {
    if (rate <= 0) return false;
    return this.next() < rate;
  }

  bytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function mix32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x5bd1e995, 0x27d4eb2d) ^ b;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
