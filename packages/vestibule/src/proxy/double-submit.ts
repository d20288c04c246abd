// Server-side double-submit guard for single-use flows (issue-3). A double click on "Sign in" sends
// two identical `POST /self-service/login?flow=<id>`. Kratos completes the flow on the first and
// rejects the second as already used; the browser, which abandoned the first navigation, shows the
// second answer: an error that looks like a wrong password, and no session cookie. So an identical
// submit that arrives while the first is in flight, or within `windowMs` after it succeeded, gets
// the first response (status, Location, Set-Cookie, body) replayed instead of being forwarded.
//
// "Identical" = same flow id, same Kratos credential cookies (CSRF + session) or session token, and the
// same body. The body is part of the key on purpose: a user who corrects a wrong password and resubmits
// within the window must reach Kratos, not get the old answer back. Keys are SHA-256 hashes; entries
// are bounded by count and bytes (LRU), so memory stays flat whatever clients send.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { SUBMITTABLE_FLOWS } from './kratos-paths.ts';

export interface ResponseSnapshot {
  status: number;
  /** Final (already rewritten) headers, Set-Cookie lines as separate entries. */
  headers: ReadonlyArray<readonly [string, string]>;
  body: Uint8Array;
}

export interface SubmitIdentity {
  flowId: string;
  headers: Headers;
  body: Uint8Array;
}

/** Largest response remembered for replay; Kratos submit answers are redirects or small JSON. */
const MAX_REPLAY_BYTES = 256 * 1024;
const MAX_TOTAL_BYTES = 16 * 1024 * 1024;
/**
 * Largest submit body the guard buffers to hash (forms and JSON submits are a few hundred bytes, a
 * WebAuthn response a few KiB); larger is a 413, so concurrent junk cannot pin much memory.
 */
export const MAX_GUARDED_BODY_BYTES = 256 * 1024;

/** The flow id when this is a submit of a single-use self-service flow that carries a credential. */
export function guardedFlowId(
  method: string,
  segments: readonly string[],
  searchParams: URLSearchParams,
  headers: Headers,
): string | undefined {
  if (method !== 'POST' || segments.length !== 2 || segments[0] !== 'self-service')
    return undefined;
  if (!SUBMITTABLE_FLOWS.has(segments[1]!)) return undefined;
  const flowId = searchParams.get('flow');
  if (!flowId || flowId.length > 128) return undefined;
  return credentialMaterial(headers).length > 0 ? flowId : undefined;
}

/** The cookies and token that tie a submit to one browser/client: Kratos's CSRF and session credentials. */
function credentialMaterial(headers: Headers): string[] {
  const cookies = (headers.get('cookie') ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => /^(csrf_token|ory_)[^=]*=/.test(c))
    .sort();
  const token = headers.get('x-session-token');
  const authorization = headers.get('authorization');
  return [
    ...cookies,
    ...(token ? [`x-session-token=${token}`] : []),
    ...(authorization ? [`authorization=${authorization}`] : []),
  ];
}

export function submitKey(submit: SubmitIdentity): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([submit.flowId, credentialMaterial(submit.headers)]));
  hash.update('\0');
  hash.update(submit.body);
  return hash.digest('hex');
}

export class DoubleSubmitGuard {
  private readonly inFlight = new Map<string, Promise<ResponseSnapshot>>();
  private readonly completed: LRUCache<string, ResponseSnapshot>;

  constructor(
    private readonly options: { windowMs: number; maxEntries: number; now: () => number },
  ) {
    this.completed = new LRUCache<string, ResponseSnapshot>({
      max: options.maxEntries,
      ttl: options.windowMs,
      maxSize: MAX_TOTAL_BYTES,
      sizeCalculation: (s) => Math.max(1, s.body.byteLength),
      perf: { now: options.now },
      // 0: read the clock on every check (lru-cache otherwise caches "now" between real timer ticks,
      // which would freeze a fake clock and needs a timer).
      ttlResolution: 0,
    });
  }

  /**
   * Runs `forward` once per identical submit. `forward` must not reject (it returns the proxy's own
   * error responses as snapshots), so waiters always get an answer.
   */
  async run(
    key: string,
    forward: () => Promise<ResponseSnapshot>,
  ): Promise<{ snapshot: ResponseSnapshot; replayed: boolean }> {
    const done = this.completed.get(key);
    if (done) return { snapshot: done, replayed: true };
    const pending = this.inFlight.get(key);
    if (pending) return { snapshot: await pending, replayed: true };
    if (this.inFlight.size >= this.options.maxEntries) {
      return { snapshot: await forward(), replayed: false };
    }
    const promise = forward();
    this.inFlight.set(key, promise);
    try {
      const snapshot = await promise;
      // Only successes (2xx/3xx) are remembered after the fact: a failed submit did not consume the
      // flow, so a later identical one may go to Kratos again.
      if (snapshot.status < 400 && snapshot.body.byteLength <= MAX_REPLAY_BYTES) {
        this.completed.set(key, snapshot);
      }
      return { snapshot, replayed: false };
    } finally {
      this.inFlight.delete(key);
    }
  }

  get size(): { inFlight: number; completed: number } {
    return { inFlight: this.inFlight.size, completed: this.completed.size };
  }
}
