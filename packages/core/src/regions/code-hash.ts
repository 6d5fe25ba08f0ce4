/**
 * A linear hash of activation codes: H(code) = (Σ_u r_u · state_u mod 2³², Σ_u s_u · state_u mod 2²¹)
 * packed in one 53-bit number. Linear, so the hash of a neighbour (one unit changed) is O(1):
 * that is what lets linear-region merging find each region's neighbours by their codes without
 * storing codes. Integer (wrapping) arithmetic only. Collisions have probability ~ N² / 2⁵⁴
 * (≈ 6·10⁻⁵ for a million regions).
 */
const TWO21 = 2097152;

export class CodeHasher {
  private readonly r1: Int32Array;
  private readonly r2: Int32Array;

  constructor(numUnits: number, seed = 0x9e3779b9) {
    this.r1 = new Int32Array(numUnits);
    this.r2 = new Int32Array(numUnits);
    let s = seed >>> 0;
    const next = () => {
      // xorshift32: deterministic, no global state.
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s;
    };
    for (let u = 0; u < numUnits; u++) {
      this.r1[u] = next() | 0;
      this.r2[u] = next() | 0;
    }
  }

  hash(states: Uint8Array): number {
    let a = 0;
    let b = 0;
    const r1 = this.r1;
    const r2 = this.r2;
    for (let u = 0; u < states.length; u++) {
      const v = states[u]!;
      if (v === 0) continue;
      a = (a + Math.imul(r1[u]!, v)) | 0;
      b = (b + Math.imul(r2[u]!, v)) | 0;
    }
    return pack(a, b);
  }

  /** Hash of the code equal to `states` except unit u set to `value`, given h = hash(states). */
  neighbour(h: number, states: Uint8Array, u: number, value: number): number {
    const hi = Math.floor(h / TWO21);
    const delta = value - states[u]!;
    const a = (hi + Math.imul(this.r1[u]!, delta)) | 0;
    const b = (h - hi * TWO21 + Math.imul(this.r2[u]!, delta)) | 0;
    return pack(a, b);
  }
}

function pack(a: number, b: number): number {
  return (a >>> 0) * TWO21 + (b & (TWO21 - 1));
}

/**
 * Open-addressing hash table from code hashes (non-negative integers < 2⁵³) to region indices.
 * Much faster than a `Map` with large double keys, and compact (16 bytes a slot).
 */
export class HashIndex {
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let c = 16;
    while (c < capacity * 2) c *= 2;
    this.keys = new Float64Array(c).fill(-1);
    this.vals = new Int32Array(c);
    this.mask = c - 1;
  }

  private slot(key: number): number {
    // Keys are non-negative integers < 2⁵³ with random-looking bits: mix the low 32 bits with the high ones.
    const hi = Math.floor(key / 4294967296);
    return (((key - hi * 4294967296) | 0) ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
  }

  get(key: number): number {
    let i = this.slot(key);
    for (;;) {
      const k = this.keys[i]!;
      if (k === key) return this.vals[i]!;
      if (k === -1) return -1;
      i = (i + 1) & this.mask;
    }
  }

  set(key: number, value: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    let i = this.slot(key);
    for (;;) {
      const k = this.keys[i]!;
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      if (k === -1) {
        this.keys[i] = key;
        this.vals[i] = value;
        this.size++;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    this.keys = new Float64Array(oldK.length * 2).fill(-1);
    this.vals = new Int32Array(oldK.length * 2);
    this.mask = this.keys.length - 1;
    this.size = 0;
    for (let i = 0; i < oldK.length; i++) if (oldK[i] !== -1) this.set(oldK[i]!, oldV[i]!);
  }
}
