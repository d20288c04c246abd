// Koa middleware in front of oidc-provider's routes, for the three places Hydra's public API
// behaves differently from oidc-provider's:
// - the logout verifier (`/oauth2/sessions/logout?logout_verifier=`) completes oidc-provider's own
//   end-session confirm step with the xsrf secret the logout request kept;
// - the last redirect back to the client is a 303, the ones into the login/consent apps 302;
// - a failed PKCE check burns the authorization code (fosite), so a guessed verifier gets one try;
// - resuming an answered login or consent needs Hydra's one-time verifier (consent/verifiers.ts);
// - the discovery document has Hydra's keys (discovery.ts), and a route Hydra does not have answers
//   as Hydra's router does (Go's http.NotFound: `404 page not found`, plain text).
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { HydraConfig } from '../config/index.ts';
import type { LogoutStore } from '../consent/logout-store.ts';
import type { DeletedRows } from '../persistence/adapter.ts';
import type { Database } from '../persistence/tables.ts';
import { ADDED_CONSENT_PROMPT } from '../flow/markers.ts';
import { errorURL } from './provider.ts';
import { storedTokenId } from './jwt-access-token.ts';
import { hydraDiscovery } from './discovery.ts';
import { refuseWithoutVerifier } from '../consent/verifiers.ts';

type Next = () => Promise<void>;

interface CodeModel {
  find(value: string): Promise<{ consume(): Promise<void>; consumed?: unknown } | undefined>;
}

export function installPublicMiddleware(
  provider: Provider,
  config: HydraConfig,
  logouts: LogoutStore,
  db: Kysely<Database>,
  onDeleted?: DeletedRows,
): void {
  const pendingBurns = new WeakMap<object, Promise<void>>();
  // (The event is oidc-provider's; its type declarations do not list it.)
  (provider as unknown as NodeJS.EventEmitter).on(
    'grant.error',
    (ctx: KoaContextWithOIDC, err: Error & { cause?: Error }) => {
      const params = ctx.oidc?.params as { grant_type?: string; code?: string } | undefined;
      if (params?.grant_type !== 'authorization_code' || !params.code) return;
      if (!/code_verifier|code_challenge/.test(err.cause?.message ?? '')) return;
      const code = params.code;
      pendingBurns.set(
        ctx,
        (provider.AuthorizationCode as unknown as CodeModel)
          .find(code)
          .then((found) => (found && !found.consumed ? found.consume() : undefined))
          .catch(() => {}),
      );
    },
  );

  const appURLs = [config.urls.login, config.urls.consent, config.urls.error, config.urls.logout];
  provider.use(async (ctx, next: Next) => {
    if (ctx.path === '/oauth2/auth' && ctx.method === 'GET')
      keepOfflineAccess(ctx.query as Record<string, unknown>, ctx);
    if (await refuseWithoutVerifier(provider, ctx)) return;
    if (
      ctx.path === '/oauth2/sessions/logout' &&
      ctx.method === 'GET' &&
      ctx.query.logout_verifier
    ) {
      const redirected = await completeLogout(
        ctx as unknown as KoaContextWithOIDC,
        config,
        logouts,
      );
      if (redirected) return;
    }
    await next();
    if (ctx.status === 404 && ctx.body === undefined) {
      answerNotFound(ctx);
      return;
    }
    if (ctx.path === DISCOVERY_PATH && ctx.status === 200 && ctx.body) {
      ctx.body = hydraDiscovery(ctx.body as Record<string, unknown>);
    }
    await pendingBurns.get(ctx);
    if (ctx.path === '/oauth2/token' && ctx.method === 'POST')
      await afterTokenResponse(ctx as unknown as KoaContextWithOIDC, db, onDeleted);
    const location = ctx.response.get('location');
    if (location && (ctx.status === 302 || ctx.status === 303)) {
      const toApp = appURLs.some((app) => location.startsWith(app));
      const onIssuer = location.startsWith(`${config.urls.self.issuer}/`);
      // Only the authorization endpoint's answer to the client is a 303; Hydra's logout ends with a 302.
      const toClient = !toApp && !onIssuer && ctx.path.startsWith('/oauth2/auth');
      ctx.status = toClient ? 303 : 302;
    }
  });
}

const DISCOVERY_PATH = '/.well-known/openid-configuration';

/** Hydra's public router (httprouter) answers an unknown route with Go's http.NotFound. */
function answerNotFound(ctx: {
  body: unknown;
  status: number;
  type: string;
  set(name: string, value: string): void;
}): void {
  ctx.body = '404 page not found\n';
  ctx.status = 404; // (setting a body makes it 200 in Koa)
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('x-content-type-options', 'nosniff');
}

/**
 * Two Hydra behaviours of the token endpoint: a refresh revokes the access tokens it replaces
 * (the grant keeps only the new one), and an unknown grant type (or `password`) is fosite's
 * `invalid_request`, not RFC 6749's `unsupported_grant_type`.
 */
async function afterTokenResponse(
  ctx: KoaContextWithOIDC,
  db: Kysely<Database>,
  onDeleted?: DeletedRows,
): Promise<void> {
  const body = ctx.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return;
  if (ctx.status === 400 && body.error === 'unsupported_grant_type') {
    body.error = 'invalid_request';
    return;
  }
  const refreshed = ctx.oidc?.entities?.RotatedRefreshToken as { grantId?: string } | undefined;
  if (ctx.status === 200 && refreshed?.grantId && typeof body.access_token === 'string') {
    const rows = await db
      .deleteFrom('oauth2_payloads')
      .where('model', '=', 'AccessToken')
      .where('grant_id', '=', refreshed.grantId)
      .where('id', '!=', storedTokenId(body.access_token))
      .returning(['model', 'id'])
      .execute();
    if (rows.length) onDeleted?.(rows);
  }
}

/**
 * OpenID Connect Core §11 lets a provider ignore `offline_access` unless `prompt=consent`, and
 * oidc-provider does; Hydra issues refresh tokens for it regardless. Every authorization passes
 * through the consent app here anyway, so `prompt=consent` is added, with a marker parameter
 * saying so: the consent request then still reports a remembered consent as `skip` (as Hydra
 * would). A client-sent marker is dropped first; it could only ever weaken the client's own prompt.
 */
function keepOfflineAccess(query: Record<string, unknown>, ctx: { querystring: string }): void {
  const params = new URLSearchParams(ctx.querystring);
  const hadMarker = params.has(ADDED_CONSENT_PROMPT);
  params.delete(ADDED_CONSENT_PROMPT);
  const scope = typeof query.scope === 'string' ? query.scope.split(' ') : [];
  const prompt = typeof query.prompt === 'string' ? query.prompt.split(' ').filter(Boolean) : [];
  const add =
    scope.includes('offline_access') && !prompt.includes('consent') && !prompt.includes('none');
  if (add) {
    params.set('prompt', [...prompt, 'consent'].join(' '));
    params.set(ADDED_CONSENT_PROMPT, '1');
  }
  if (add || hadMarker) ctx.querystring = params.toString();
}

/**
 * Turns the verifier request into oidc-provider's confirm POST (same browser, same session
 * cookie, the kept xsrf secret). Returns true when it answered itself (an unusable verifier).
 */
async function completeLogout(
  ctx: KoaContextWithOIDC,
  config: HydraConfig,
  logouts: LogoutStore,
): Promise<boolean> {
  const verifier = String(ctx.query.logout_verifier);
  const request = await logouts.findByVerifier(verifier);
  if (!request || request.status !== 'accepted') {
    ctx.status = 302;
    ctx.redirect(
      errorURL(config, {
        error: 'invalid_request',
        error_description:
          'The logout verifier has already been used, has not been granted, or is invalid.',
      }),
    );
    return true;
  }
  request.status = 'used';
  delete request.verifier;
  await logouts.save(request);
  const body = Buffer.from(new URLSearchParams({ xsrf: request.xsrf, logout: 'yes' }).toString());
  // A GET's body stream is still unread: hand oidc-provider's body reader the form instead.
  ctx.req.headers['content-type'] = 'application/x-www-form-urlencoded';
  ctx.req.headers['content-length'] = String(body.length);
  Object.assign(ctx.req, {
    iterator: async function* () {
      yield body;
    },
  });
  ctx.method = 'POST';
  ctx.path = '/oauth2/sessions/logout/confirm';
  return false;
}
