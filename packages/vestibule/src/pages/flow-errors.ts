// What a user should see when Kratos refuses to hand out a flow. One decision table, in data; the
// handler turns it into HTTP. Behaviour follows Ory's own UIs (`handleFlowError` in @ory/client-fetch,
// Ory Elements) plus the ids Kratos documents for browser flows (docs/kratos-contract.md).
import type { FlowType } from './ui/flow-types.ts';
import type { PageTextKey } from './ui/texts.ts';
import type { Routes } from './routes.ts';

export type NoticeId = 'return_to_forbidden';

export type FlowOutcome =
  | {
      kind: 'restart';
      useFlowId?: string;
      /** Kratos's record of the failed flow's `return_to` (410 `details.return_to`), a fallback. */
      returnTo?: string;
      dropReturnTo?: boolean;
      notice?: NoticeId;
      reason: string;
    }
  | { kind: 'redirect'; location: string; reason: string }
  | { kind: 'error'; status: number; messageKey: PageTextKey; reason: string };

export interface FlowErrorContext {
  flowType: FlowType;
  pageURL: URL;
  routes: Routes;
  toSameOrigin: (url: string) => string;
  defaultReturnTo: string;
}

interface KratosErrorBody {
  error?: {
    id?: unknown;
    details?: { use_flow_id?: unknown; redirect_browser_to?: unknown; return_to?: unknown };
  };
  use_flow_id?: unknown;
  redirect_browser_to?: unknown;
}

const FLOW_ID = /^[A-Za-z0-9-]{1,64}$/;

export function errorIdOf(body: unknown): string | undefined {
  const id = (body as KratosErrorBody | undefined)?.error?.id;
  return typeof id === 'string' ? id : undefined;
}

export function decideFlowError(status: number, body: unknown, ctx: FlowErrorContext): FlowOutcome {
  const id = errorIdOf(body);
  const reason = id ?? `http_${status}`;
  const b = (body ?? {}) as KratosErrorBody;
  const browserTarget = str(b.redirect_browser_to) ?? str(b.error?.details?.redirect_browser_to);
  switch (id) {
    case 'session_already_available':
    case 'session_aal_already_fulfilled':
      // Already signed in (at the level asked for): go where the user wanted to go, or home.
      return { kind: 'redirect', location: safeReturnTo(ctx.pageURL, ctx.defaultReturnTo), reason };
    case 'self_service_flow_expired':
    case 'self_service_flow_replaced': {
      // Kratos may already have made the replacement (`use_flow_id`); the expired flow's fetch
      // reports its `return_to` instead, which the restart keeps when nothing better is known.
      const next = str(b.use_flow_id) ?? str(b.error?.details?.use_flow_id);
      return {
        kind: 'restart',
        useFlowId: next && FLOW_ID.test(next) ? next : undefined,
        returnTo: str(b.error?.details?.return_to),
        reason,
      };
    }
    // security_identity_mismatch: the flow was started for another account (the user signed in or
    // out in another tab since); Ory's own UIs start a fresh flow, bound to whoever is signed in now.
    case 'security_csrf_violation':
    case 'security_identity_mismatch':
      return { kind: 'restart', reason };
    case 'session_aal1_required':
      // A second factor was asked for without a first one: sign in first (no `aal`), same target.
      return { kind: 'redirect', location: loginFirst(ctx), reason };
    case 'self_service_flow_return_to_forbidden':
      return { kind: 'restart', dropReturnTo: true, notice: 'return_to_forbidden', reason };
    case 'browser_location_change_required':
      if (browserTarget)
        return { kind: 'redirect', location: ctx.toSameOrigin(browserTarget), reason };
      break;
    case 'session_refresh_required':
      return {
        kind: 'redirect',
        location: browserTarget
          ? ctx.toSameOrigin(browserTarget)
          : reauthURL(ctx, { refresh: 'true' }),
        reason,
      };
    case 'session_aal2_required':
      return {
        kind: 'redirect',
        location: browserTarget ? ctx.toSameOrigin(browserTarget) : reauthURL(ctx, { aal: 'aal2' }),
        reason,
      };
    case 'session_inactive':
      return { kind: 'redirect', location: reauthURL(ctx, {}), reason };
    case 'self_service_flow_disabled':
      return {
        kind: 'error',
        status: 400,
        messageKey: 'vestibule.error.self_service_flow_disabled',
        reason,
      };
  }
  if (status === 404 || status === 410) return { kind: 'restart', reason };
  if (status === 401) return { kind: 'redirect', location: reauthURL(ctx, {}), reason };
  if (status === 403) return { kind: 'restart', reason };
  if (status >= 500)
    return { kind: 'error', status: 502, messageKey: 'vestibule.error.unavailable', reason };
  return {
    kind: 'error',
    status: status >= 400 && status < 500 ? status : 502,
    messageKey: 'vestibule.error.generic',
    reason,
  };
}

/** To a plain login keeping the page's own `return_to` (Kratos validates it on init). */
function loginFirst(ctx: FlowErrorContext): string {
  const returnTo = ctx.pageURL.searchParams.get('return_to') ?? undefined;
  return ctx.routes.page('login', { return_to: returnTo || undefined });
}

/** To the login page, coming back to a fresh flow of this page afterwards. */
function reauthURL(ctx: FlowErrorContext, extra: Record<string, string>): string {
  const back = new URL(ctx.routes.page(ctx.flowType), ctx.pageURL.origin).href;
  return ctx.routes.page('login', { ...extra, return_to: back });
}

/**
 * `return_to` from the page URL is attacker-controlled (an open redirect if followed blindly). Kratos
 * checks it against `allowed_return_urls` when it redirects; here we only follow same-origin targets.
 */
export function safeReturnTo(pageURL: URL, fallback: string): string {
  const wanted = pageURL.searchParams.get('return_to');
  if (!wanted) return fallback;
  try {
    // Protocol-relative and backslash forms are read as other hosts by browsers; control characters
    // are stripped by URL parsers in surprising ways.
    if (/^[/\\]{2}/.test(wanted) || /\\/.test(wanted) || hasControlCharacter(wanted))
      return fallback;
    const target = new URL(wanted, pageURL.origin);
    // `/.//evil` and `/a/..//evil` resolve to the path `//evil`, which a browser reads as a host.
    return target.origin === pageURL.origin && !target.pathname.startsWith('//')
      ? target.pathname + target.search + target.hash
      : fallback;
  } catch {
    return fallback;
  }
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++)
    if (value.charCodeAt(i) < 0x20 || value.charCodeAt(i) === 0x7f) return true;
  return false;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
