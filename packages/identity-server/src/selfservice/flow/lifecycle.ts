// What every self-service flow shares: the stored record, its wire body, expiry and CSRF errors.
// Shapes follow Kratos's loginFlow/registrationFlow (shared/ory/kratos/openapi.v26.2.0.json).
import { randomUUID } from 'node:crypto';
import type { ServerContext, UINode, UIText } from '../../driver/context.ts';
import { KratosError, notFound } from '../../http/errors.ts';
import type { FlowKind, FlowRecord } from '../../persistence/types.ts';
import { isUUID, publicURL } from '../../http/url.ts';

export interface NewFlow {
  kind: FlowKind;
  type: 'browser' | 'api';
  /** Path+query of the init request, shown as request_url on the public base URL. */
  requestPath: string;
  returnTo?: string;
  csrfSecret?: string;
  nodes: UINode[] | null;
  messages?: UIText[];
  /** Kind-specific wire fields (refresh, requested_aal, …). */
  extra?: Record<string, unknown>;
  identityId?: string;
  sessionId?: string;
  internal?: Record<string, unknown>;
  /** Hydra's login_challenge (oauth2_provider), shown right after `id` as Kratos marshals it. */
  oauth2LoginChallenge?: string;
}

/**
 * Which optional keys each kind's wire body has in Kratos: login flows carry organization_id,
 * created_at and updated_at; registration and settings flows organization_id only; recovery and
 * verification flows none of them (their Go structs omit the fields from JSON — the recorded
 * transcripts in shared/ory/kratos/transcripts/ show each kind).
 */
const FLOW_KEYS: Record<FlowKind, { organization: boolean; timestamps: boolean }> = {
  login: { organization: true, timestamps: true },
  registration: { organization: true, timestamps: false },
  settings: { organization: true, timestamps: false },
  recovery: { organization: false, timestamps: false },
  verification: { organization: false, timestamps: false },
};

/** Marks a flow as changed, on the kinds whose body shows when (login: `updated_at`). */
export function touchFlow(ctx: ServerContext, flow: FlowRecord): void {
  if ('updated_at' in flow.body) flow.body.updated_at = ctx.clock.now().toISOString();
}

export function buildFlow(ctx: ServerContext, init: NewFlow): FlowRecord {
  const id = randomUUID();
  const now = ctx.clock.now();
  const lifespan = ctx.config.selfservice.flows[init.kind].lifespan_ms;
  const expiresAt = new Date(now.getTime() + lifespan).toISOString();
  const base = ctx.config.serve.public.base_url;
  const ui: Record<string, unknown> = {
    action: publicURL(base, `/self-service/${init.kind}?flow=${id}`),
    method: 'POST',
    nodes: init.nodes,
  };
  if (init.messages?.length) ui.messages = init.messages;
  const body: Record<string, unknown> = {
    id,
    ...(init.oauth2LoginChallenge ? { oauth2_login_challenge: init.oauth2LoginChallenge } : {}),
    ...(FLOW_KEYS[init.kind].organization ? { organization_id: null } : {}),
    type: init.type,
    expires_at: expiresAt,
    issued_at: now.toISOString(),
    request_url: publicURL(base, init.requestPath),
    ...(init.returnTo ? { return_to: init.returnTo } : {}),
    ui,
    ...(FLOW_KEYS[init.kind].timestamps
      ? { created_at: now.toISOString(), updated_at: now.toISOString() }
      : {}),
    ...init.extra,
    state: 'choose_method',
  };
  return {
    id,
    kind: init.kind,
    type: init.type,
    expires_at: expiresAt,
    csrf_token: init.csrfSecret ?? '',
    ...(init.identityId ? { identity_id: init.identityId } : {}),
    ...(init.sessionId ? { session_id: init.sessionId } : {}),
    internal: init.internal ?? {},
    body,
  };
}

/** Loads a flow of `kind`; a malformed, unknown or other-kind id is Kratos's plain 404. */
export async function loadFlow(
  ctx: ServerContext,
  kind: FlowKind,
  id: string | null,
): Promise<FlowRecord> {
  const flow = isUUID(id) ? await ctx.persister.getFlow(id.toLowerCase()) : undefined;
  if (!flow || flow.kind !== kind) throw notFound();
  return flow;
}

export function isExpired(ctx: ServerContext, flow: FlowRecord): boolean {
  return Date.parse(flow.expires_at) <= ctx.clock.now().getTime();
}

/** Kratos's x.ErrInvalidCSRFToken, with the `details` CSRFProtection.rejectionDetails gives. */
export function csrfViolation(details?: Record<string, string>): KratosError {
  return new KratosError(
    403,
    'the request was rejected to protect you from Cross-Site-Request-Forgery',
    {
      id: 'security_csrf_violation',
      reason:
        'Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.',
      ...(details ? { details } : {}),
    },
  );
}

/** GET /flows?id= of an expired flow (Kratos getLoginFlow): 410 pointing at the init endpoint. */
export function expiredOnFetch(ctx: ServerContext, flow: FlowRecord): KratosError {
  const base = ctx.config.serve.public.base_url;
  const kind = flow.kind;
  if (flow.type === 'browser') {
    const init = new URL(publicURL(base, `/self-service/${kind}/browser`));
    const returnTo = flow.body.return_to;
    if (typeof returnTo === 'string') init.searchParams.set('return_to', returnTo);
    return new KratosError(
      410,
      'The requested resource is no longer available because it has expired or otherwise been removed.',
      {
        id: 'self_service_flow_expired',
        reason: `The ${kind} flow has expired. Redirect the user to the ${kind} flow init endpoint to initialize a new ${kind} flow.`,
        details: {
          redirect_to: init.toString(),
          return_to: typeof returnTo === 'string' ? returnTo : '',
        },
      },
    );
  }
  return new KratosError(
    410,
    'The requested resource is no longer available because it has expired or otherwise been removed.',
    {
      id: 'self_service_flow_expired',
      reason: `The ${kind} flow has expired. Call the ${kind} flow init API endpoint to initialize a new ${kind} flow.`,
      details: { api: publicURL(base, `/self-service/${kind}/api`) },
    },
  );
}

/** Submit of an expired flow (Kratos flow.NewFlowExpiredError + WithFlow): 410 with use_flow_id. */
export function expiredOnSubmit(
  expired: FlowRecord,
  replacement: FlowRecord,
  now: Date,
): KratosError {
  const expiredAt = new Date(expired.expires_at);
  const ago = now.getTime() - expiredAt.getTime();
  return new KratosError(410, 'self-service flow expired', {
    id: 'self_service_flow_expired',
    reason: `The self-service flow expired ${(ago / 60_000).toFixed(2)} minutes ago, initialize a new one.`,
    extra: {
      expired_at: expiredAt.toISOString(),
      // Go's time.Duration marshals as integer nanoseconds.
      since: ago * 1_000_000,
      use_flow_id: replacement.id,
    },
  });
}
