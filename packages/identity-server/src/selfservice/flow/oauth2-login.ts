// Login and registration flows as Hydra's login app (Kratos's oauth2_provider integration, in
// selfservice/flow/{login,registration}/handler.go and hook.go): a flow started with Hydra's
// `login_challenge` carries it as `oauth2_login_challenge`, shows Hydra's login request as
// `oauth2_login_request`, and on success accepts the challenge and sends the browser to Hydra.
import type { ServerContext } from '../../driver/context.ts';
import { KratosError } from '../../http/errors.ts';
import { json, redirect } from '../../http/respond.ts';
import { publicURL } from '../../http/url.ts';
import {
  acceptLoginRequest,
  getLoginRequest,
  loginChallengeOf,
  type HydraLoginRequest,
} from '../../hydra/hydra.ts';
import type { FlowRecord, Session } from '../../persistence/types.ts';
import type { ResolvedSession } from '../../session/manager.ts';
import { browserLocationChangeRequired } from './location-change.ts';

export interface OAuth2Init {
  challenge: string;
  /** Hydra's login request; browser flows only (Kratos fetches it for those alone). */
  loginRequest?: HydraLoginRequest;
  /**
   * The init URL with `refresh` and `return_to` rewritten. Kratos's registration stores its flow
   * before it reads Hydra's answer, so there the rewrite only reaches the redirect to login.
   */
  url: URL;
}

/** Go's url.Values.Encode: keys sorted, which is how Kratos's rewritten request_url reads. */
function withQuery(url: URL, set: Record<string, string>): URL {
  const params = new URLSearchParams(url.search);
  for (const [key, value] of Object.entries(set)) params.set(key, value);
  params.sort();
  const rewritten = new URL(url);
  rewritten.search = params.toString();
  return rewritten;
}

/**
 * Reads `login_challenge` from a flow's init URL (errors as Kratos: 500 without
 * oauth2_provider.url, 400 for an empty value) and, for browser flows, fetches Hydra's login
 * request. A login Hydra cannot skip becomes a refresh (the user proves who they are again even
 * with a Kratos session); `override_return_to` puts Hydra's request_url in `return_to`.
 */
export async function prepareOAuth2Init(
  ctx: ServerContext,
  options: { kind: 'login' | 'registration'; type: 'browser' | 'api'; url: URL },
): Promise<OAuth2Init | undefined> {
  const challenge = loginChallengeOf(ctx.config, options.url);
  if (challenge === undefined) return undefined;
  if (options.type === 'api') return { challenge, url: options.url };
  const loginRequest = await getLoginRequest(ctx.config, challenge);
  const rewrite: Record<string, string> = {};
  if (options.kind === 'login' && loginRequest.skip !== true) rewrite.refresh = 'true';
  const requestURL = loginRequest.request_url;
  if (
    ctx.config.oauth2_provider?.override_return_to &&
    typeof requestURL === 'string' &&
    requestURL
  ) {
    rewrite.return_to = requestURL;
  }
  const url = Object.keys(rewrite).length ? withQuery(options.url, rewrite) : options.url;
  return { challenge, loginRequest, url };
}

/** A browser Kratos session meets a challenge Hydra can skip: accept it at once with that session. */
async function acceptWithSession(
  ctx: ServerContext,
  init: OAuth2Init,
  session: ResolvedSession,
): Promise<string> {
  return acceptLoginRequest(ctx.config, {
    loginChallenge: init.challenge,
    identityId: session.identity.id,
    sessionId: session.session.id,
    methods: session.session.authentication_methods,
  });
}

/**
 * An existing session at flow init with a challenge: Hydra's `skip` → accepted, and the browser
 * goes to Hydra (a SPA gets 422 browser_location_change_required: Kratos answers it `200 null`,
 * see docs/fidelity.md); registration Hydra cannot skip → 302 to the login init with the same
 * query, as Kratos sends it; a login Hydra cannot skip never gets here (it became a refresh).
 */
export async function answerSessionAtInit(
  ctx: ServerContext,
  options: {
    kind: 'login' | 'registration';
    init: OAuth2Init;
    session: ResolvedSession;
    json: boolean;
  },
): Promise<Response> {
  const { init, kind } = options;
  if (init.loginRequest?.skip === true) {
    const to = await acceptWithSession(ctx, init, options.session);
    return options.json ? json(browserLocationChangeRequired(to).toBody(), 422) : redirect(to, 303);
  }
  if (kind === 'registration') {
    const login = new URL(
      publicURL(ctx.config.serve.public.base_url, '/self-service/login/browser'),
    );
    login.search = init.url.search;
    return redirect(login.toString(), 302);
  }
  throw new KratosError(
    500,
    'An internal server error occurred, please contact the system administrator',
    { reason: 'ErrAlreadyLoggedIn indicated we can skip login, but Hydra asked us to refresh' },
  );
}

/** The challenge a flow was started with, if any. */
export function challengeOfFlow(flow: FlowRecord): string | undefined {
  const challenge = flow.body.oauth2_login_challenge;
  return typeof challenge === 'string' && challenge ? challenge : undefined;
}

/**
 * A flow's wire body with Hydra's login request beside the challenge (Kratos fetches it again on
 * every GET /flows; it is never stored).
 */
export function withLoginRequest(
  body: Record<string, unknown>,
  loginRequest: HydraLoginRequest,
): Record<string, unknown> {
  const { id, oauth2_login_challenge, ...rest } = body;
  return { id, oauth2_login_challenge, oauth2_login_request: loginRequest, ...rest };
}

/** GET /flows of a flow with a challenge: Hydra's login request is read again for it. */
export async function flowBodyWithLoginRequest(
  ctx: ServerContext,
  flow: FlowRecord,
): Promise<Record<string, unknown>> {
  const challenge = challengeOfFlow(flow);
  if (!challenge) return flow.body;
  return withLoginRequest(flow.body, await getLoginRequest(ctx.config, challenge));
}

/** Accepts the flow's challenge for the identity just signed in; returns Hydra's redirect_to. */
export function acceptForFlow(
  ctx: ServerContext,
  options: { challenge: string; identityId: string; session?: Session; method: string },
): Promise<string> {
  return acceptLoginRequest(ctx.config, {
    loginChallenge: options.challenge,
    identityId: options.identityId,
    ...(options.session ? { sessionId: options.session.id } : {}),
    methods: options.session?.authentication_methods ?? [{ method: options.method }],
  });
}
