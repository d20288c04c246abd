// Nonce memory for signed identity headers: a signature is accepted once within its window.
import { LRUCache } from 'lru-cache';

export type ReplayVerdict = 'fresh' | 'replayed' | 'replay-window';

export interface ReplayCache {
  /** Records the nonce of a signature made at `t` (seconds) and says whether it was seen before. */
  check(nonce: string, t: number, nowSeconds: number): ReplayVerdict;
}

export function createReplayCache(options: { maxAge: number; maxNonces: number }): ReplayCache {
  const { maxAge, maxNonces } = options;
  // A full nonce cache forgets its least recently seen nonce, maybe while that nonce's signature is
  // still within its window; a replay of it would then pass. So every signature as old as a nonce
  // forgotten too early is refused (`replay-window`): replay protection stays sound at any request
  // rate, and under extreme load the accepted window shrinks instead.
  let forgottenUpTo = -Infinity;
  const seen = new LRUCache<string, number>({
    max: maxNonces,
    dispose: (until, _nonce, reason) => {
      if (reason === 'evict') forgottenUpTo = Math.max(forgottenUpTo, until - maxAge);
    },
  });
  return {
    check(nonce, t, nowSeconds) {
      if (t <= forgottenUpTo) return 'replay-window';
      const until = seen.get(nonce);
      if (until !== undefined && until >= nowSeconds) return 'replayed';
      seen.set(nonce, t + maxAge);
      return 'fresh';
    },
  };
}
