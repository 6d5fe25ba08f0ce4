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
