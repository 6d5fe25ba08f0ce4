/**
 * A linear hash of activation codes: H(code) = (Σ_u r_u · state_u mod p₁, Σ_u s_u · state_u mod p₂)
 * packed in one 52-bit number. Linear, so the hash of a neighbour (one unit changed) is O(1):
 * that is what lets linear-region merging find each region's neighbours by their codes without
 * storing codes. Collisions have probability ~ N² / 2⁵² (≈ 2·10⁻⁴ for a million regions).
 */
const P1 = 67108859;
const P2 = 67108837;

export class CodeHasher {
  private readonly r1: Float64Array;
  private readonly r2: Float64Array;

  constructor(numUnits: number, seed = 0x9e3779b9) {
    this.r1 = new Float64Array(numUnits);
    this.r2 = new Float64Array(numUnits);
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
      this.r1[u] = next() % P1;
      this.r2[u] = next() % P2;
    }
  }

  hash(states: Uint8Array): number {
    let a = 0;
    let b = 0;
    // Terms are < 2^34, so 2^18 of them sum exactly in a double; reduce once per block.
    for (let start = 0; start < states.length; start += 1 << 18) {
      const end = Math.min(states.length, start + (1 << 18));
      for (let u = start; u < end; u++) {
        const v = states[u]!;
        if (v === 0) continue;
        a += this.r1[u]! * v;
        b += this.r2[u]! * v;
      }
      a %= P1;
      b %= P2;
    }
    return a * P2 + b;
  }

  /** Hash of the code equal to `states` except unit u set to `value`, given h = hash(states). */
  neighbour(h: number, states: Uint8Array, u: number, value: number): number {
    let a = Math.floor(h / P2);
    let b = h - a * P2;
    const delta = value - states[u]!;
    a = (((a + this.r1[u]! * delta) % P1) + P1) % P1;
    b = (((b + this.r2[u]! * delta) % P2) + P2) % P2;
    return a * P2 + b;
  }
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
    // Mix the high and low halves; keys are already random-looking.
    return ((key % 4294967291) ^ Math.floor(key / 4294967296)) & this.mask;
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
