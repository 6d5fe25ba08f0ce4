/**
 * Bump allocators for the many small, short-lived typed arrays of the partition engine.
 *
 * A typed array above V8's on-heap limit (64 bytes) gets its own off-heap backing store: about a
 * microsecond to create and extra garbage-collector work to free. An arena hands out views
 * (`subarray`) of one larger chunk instead, 3–5× cheaper. Chunks are never reused: a chunk is
 * freed by the garbage collector once no view into it is alive, so memory stays bounded by the
 * live views (the engine's depth-first stack) plus one chunk per arena.
 *
 * Views share their chunk's buffer: copy a view (`slice`) before keeping it long-term or sending
 * it to another thread (structured clone copies the whole chunk).
 */

/** Elements per chunk: large enough to amortize allocation, small enough that a few pinned chunks cost little. */
const CHUNK = 4096;

/**
 * Two concrete classes rather than one generic one: each stays monomorphic (one typed-array kind per
 * call site), which measured faster in the engine's hot loops.
 */
export class Float64Arena {
  private chunk = new Float64Array(CHUNK);
  private pos = 0;

  /** A zero-filled view of length n. */
  alloc(n: number): Float64Array {
    if (n > CHUNK >> 2) return new Float64Array(n);
    if (this.pos + n > CHUNK) {
      this.chunk = new Float64Array(CHUNK);
      this.pos = 0;
    }
    const v = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A view holding a copy of `src`. */
  copy(src: Float64Array): Float64Array {
    const v = this.alloc(src.length);
    v.set(src);
    return v;
  }
}

export class Uint8Arena {
  private chunk = new Uint8Array(8 * CHUNK);
  private pos = 0;

  /** A zero-filled view of length n. */
  alloc(n: number): Uint8Array {
    if (n > 2 * CHUNK) return new Uint8Array(n);
    if (this.pos + n > 8 * CHUNK) {
      this.chunk = new Uint8Array(8 * CHUNK);
      this.pos = 0;
    }
    const v = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A view holding a copy of `src`. */
  copy(src: Uint8Array): Uint8Array {
    const v = this.alloc(src.length);
    v.set(src);
    return v;
  }
}
