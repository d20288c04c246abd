// Kratos's continuity manager (continuity/): a browser change refused for an old session
// (session_refresh_required) is remembered, and once the user has re-authenticated, Kratos sends the
// browser back to GET /self-service/settings?flow= where the remembered change is applied — the user
// does not type the new password twice.
// Kept in this process's memory only, never in the database: the payload holds a cleartext
// password. A restart (or another instance) just loses it and the user sees the form again.
import type { Clock } from '../x/clock.ts';

/** Kratos keeps its continuity container for a limited time; the privileged window is the same order. */
const LIFESPAN_MS = 15 * 60_000;
const MAX_ENTRIES = 10_000;

interface Pending {
  identityId: string;
  body: Record<string, unknown>;
  expiresAt: number;
}

export class ContinuityStore {
  readonly #pending = new Map<string, Pending>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Remembers the refused change of settings flow `flowId` (the newest one wins). */
  pause(flowId: string, identityId: string, body: Record<string, unknown>): void {
    // The CSRF token was checked on the POST; it has no meaning on the resuming GET.
    const { csrf_token: _csrf, ...kept } = body;
    this.#pending.delete(flowId);
    if (this.#pending.size >= MAX_ENTRIES) this.#pending.delete(this.#pending.keys().next().value!);
    this.#pending.set(flowId, {
      identityId,
      body: kept,
      expiresAt: this.#clock.now().getTime() + LIFESPAN_MS,
    });
  }

  /** The remembered change for this flow and identity, once (it is forgotten when taken). */
  resume(flowId: string, identityId: string): Record<string, unknown> | undefined {
    const pending = this.#pending.get(flowId);
    if (!pending) return undefined;
    this.#pending.delete(flowId);
    if (pending.identityId !== identityId) return undefined;
    if (pending.expiresAt <= this.#clock.now().getTime()) return undefined;
    return pending.body;
  }
}
