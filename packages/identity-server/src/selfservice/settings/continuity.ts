// Kratos's settings "continuity" (selfservice/flow/settings PrepareUpdate + the continuity manager):
// a browser change refused for an old session (session_refresh_required) is remembered, and once
// the user has re-authenticated, Kratos sends the browser back to GET /self-service/settings?flow=
// where the remembered change is applied — the user does not type the new password twice.
// Kept in this process's memory only, never in the database: the payload holds a cleartext
// password. A restart (or another instance) just loses it and the user sees the form again.
import type { ServerContext } from '../../context.ts';

/** Kratos keeps its continuity container for a limited time; the privileged window is the same order. */
const LIFESPAN_MS = 15 * 60_000;
const MAX_ENTRIES = 10_000;

interface Pending {
  identityId: string;
  body: Record<string, unknown>;
  expiresAt: number;
}

const stores = new WeakMap<ServerContext, Map<string, Pending>>();

function storeOf(ctx: ServerContext): Map<string, Pending> {
  let store = stores.get(ctx);
  if (!store) {
    store = new Map();
    stores.set(ctx, store);
  }
  return store;
}

/** Remembers the refused change of settings flow `flowId` (the newest one wins). */
export function pauseUpdate(
  ctx: ServerContext,
  flowId: string,
  identityId: string,
  body: Record<string, unknown>,
): void {
  const store = storeOf(ctx);
  // The CSRF token was checked on the POST; it has no meaning on the resuming GET.
  const { csrf_token: _csrf, ...kept } = body;
  store.delete(flowId);
  if (store.size >= MAX_ENTRIES) store.delete(store.keys().next().value!);
  store.set(flowId, {
    identityId,
    body: kept,
    expiresAt: ctx.clock.now().getTime() + LIFESPAN_MS,
  });
}

/** The remembered change for this flow and identity, once (it is forgotten when taken). */
export function resumeUpdate(
  ctx: ServerContext,
  flowId: string,
  identityId: string,
): Record<string, unknown> | undefined {
  const store = storeOf(ctx);
  const pending = store.get(flowId);
  if (!pending) return undefined;
  store.delete(flowId);
  if (pending.identityId !== identityId) return undefined;
  if (pending.expiresAt <= ctx.clock.now().getTime()) return undefined;
  return pending.body;
}
