// Nonce memory for signed identity headers: a signature is accepted once within its window.
//
// Sized from the window, not from a guess: a nonce only matters while its signature time `t` is
// still acceptable (t ≥ now - maxAge, checked before this cache), so nonces are kept in one
// generation per signature second and a whole generation is dropped once its second has left the
// window. A nonce is stored as a 64-bit fingerprint in an open-addressing table of typed arrays
// (8 bytes a slot, no per-entry objects for the GC to trace): at 20k signed requests/s and the
// default 30 s + 5 s window that is about 10 MB, against about 100 MB for the same nonces as strings
// in a Map. A fingerprint collision can only refuse a fresh signature (as `replayed`), never accept
// a replay: the same nonce always has the same fingerprint. Nonces come from the signer (they are
// under the MAC), so nobody without the secret chooses them.

export type ReplayVerdict = 'fresh' | 'replayed' | 'replay-window';

export interface ReplayCache {
  /** Records the nonce of a signature made at `t` (seconds) and says whether it was seen before. */
  check(nonce: string, t: number, nowSeconds: number): ReplayVerdict;
  /** Nonces currently remembered. */
  readonly size: number;
  /** Bytes held by the tables (what the bench reports). */
  readonly bytes: number;
}

export interface ReplayCacheOptions {
  /** Seconds a signature stays valid after `t`. */
  maxAge: number;
  /**
   * Nonces remembered at most. Past it the oldest signature second is forgotten early and every
   * signature that old is refused from then on (`replay-window`): a replay never passes, and under
   * a flood beyond this size the accepted window shrinks instead of memory growing.
   */
  maxNonces: number;
}

/** Signed requests per second per app process the default size holds for the whole window. */
export const DEFAULT_SIGNED_REQUESTS_PER_SECOND = 25_000;

/** The default `maxNonces`: a whole window of signatures at DEFAULT_SIGNED_REQUESTS_PER_SECOND. */
export function defaultMaxNonces(maxAge: number, skew: number): number {
  return DEFAULT_SIGNED_REQUESTS_PER_SECOND * (Math.ceil(maxAge + skew) + 1);
}

export function createReplayCache(options: ReplayCacheOptions): ReplayCache {
  const { maxAge, maxNonces } = options;
  const generations = new Map<number, FingerprintSet>();
  let size = 0;
  let forgottenUpTo = -Infinity;
  let sweptAt = -Infinity;

  const drop = (second: number) => {
    size -= generations.get(second)!.size;
    generations.delete(second);
  };
  const sweep = (nowSeconds: number) => {
    sweptAt = nowSeconds;
    for (const second of generations.keys()) if (second < nowSeconds - maxAge) drop(second);
  };
  const forgetOldest = () => {
    const oldest = Math.min(...generations.keys());
    drop(oldest);
    forgottenUpTo = Math.max(forgottenUpTo, oldest);
  };

  return {
    check(nonce, t, nowSeconds) {
      if (nowSeconds !== sweptAt) sweep(nowSeconds);
      if (t <= forgottenUpTo) return 'replay-window';
      let generation = generations.get(t);
      const hi = fingerprint(nonce, 0x811c9dc5, 0x01000193);
      // Never 0: an all-zero slot means empty.
      const lo = (fingerprint(nonce, 0x9747b28c, 0x5bd1e995) | 1) >>> 0;
      if (generation?.has(hi, lo)) return 'replayed';
      if (!generation) generations.set(t, (generation = new FingerprintSet()));
      generation.add(hi, lo);
      size++;
      while (size > maxNonces && generations.size > 1) forgetOldest();
      // One second alone over the limit: it must still be remembered whole (its replays are the
      // ones still possible), so the limit is exceeded by that one generation at most.
      if (t <= forgottenUpTo) return 'replay-window';
      return 'fresh';
    },
    get size() {
      return size;
    },
    get bytes() {
      let bytes = 0;
      for (const g of generations.values()) bytes += g.bytes;
      return bytes;
    },
  };
}

/** FNV-1a-style over the UTF-16 code units; two (basis, multiplier) pairs make one 64-bit fingerprint. */
function fingerprint(value: string, basis: number, multiplier: number): number {
  let h = basis;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, multiplier);
  }
  return h >>> 0;
}

/** Linear probing over (hi, lo) pairs, grown at 3/4 load; no deletion (generations die whole). */
class FingerprintSet {
  size = 0;
  private slots = new Uint32Array(2 * 1024);

  get bytes(): number {
    return this.slots.byteLength;
  }

  has(hi: number, lo: number): boolean {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    for (let i = hi & mask; ; i = (i + 1) & mask) {
      const l = slots[2 * i + 1]!;
      if (l === 0) return false;
      if (l === lo && slots[2 * i] === hi) return true;
    }
  }

  add(hi: number, lo: number): void {
    if ((this.size + 1) * 4 > (this.slots.length >>> 1) * 3) this.grow();
    insert(this.slots, hi, lo);
    this.size++;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2)
      if (old[i + 1] !== 0) insert(this.slots, old[i]!, old[i + 1]!);
  }
}

function insert(slots: Uint32Array, hi: number, lo: number): void {
  const mask = (slots.length >>> 1) - 1;
  let i = hi & mask;
  while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
  slots[2 * i] = hi;
  slots[2 * i + 1] = lo;
}
