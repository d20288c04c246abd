// Hydra's admin token introspection (RFC 7662; oauth2/handler.go IntrospectOAuth2Token):
// `{active: false}` for anything unknown, expired, revoked or missing a requested scope;
// otherwise the token's client, subject, scope, times, `token_use` and the consent's access-token
// claims as `ext`.
import type Provider from 'oidc-provider';
import type { ConsentStore } from '../consent/store.ts';
import { invalidRequest, json, type Router } from '../x/http.ts';
import { TOKEN_PREFIXES } from './hydra-shapes.ts';
import type { ScopeMatcher } from './scope-strategy.ts';

interface StoredToken {
  accountId?: string;
  clientId: string;
  scope?: string;
  exp: number;
  iat: number;
  grantId?: string;
  consumed?: unknown;
  isExpired: boolean;
  aud?: string | string[];
}

type TokenModel = { find(value: string): Promise<StoredToken | undefined> };

async function findToken(
  provider: Provider,
  token: string,
): Promise<{ found: StoredToken; use: string } | undefined> {
  const models = provider as unknown as Record<string, TokenModel>;
  const candidates: Array<[string, string]> = token.startsWith(TOKEN_PREFIXES.RefreshToken)
    ? [['RefreshToken', 'refresh_token']]
    : [
        ['AccessToken', 'access_token'],
        ['ClientCredentials', 'access_token'],
      ];
  for (const [model, use] of candidates) {
    const found = await models[model]!.find(token);
    if (found) return { found, use };
  }
  return undefined;
}

export function mountIntrospection(
  router: Router,
  o: { provider: Provider; consents: ConsentStore; issuer: string; matchScope: ScopeMatcher },
): void {
  router.on('POST', '/admin/oauth2/introspect', async (request) => {
    const form = new URLSearchParams(await request.text());
    const token = form.get('token');
    if (!token) throw invalidRequest('The POST body can not be empty.');
    const hit = await findToken(o.provider, token);
    if (!hit || hit.found.isExpired || hit.found.consumed) return json(200, { active: false });
    const { found, use } = hit;
    const granted = (found.scope ?? '').split(' ').filter(Boolean);
    const required = (form.get('scope') ?? '').split(' ').filter(Boolean);
    // fosite judges the requested scopes against the granted ones with the scope strategy too:
    // a token granted `notes.*` answers for `notes.read` under `wildcard`.
    if (!required.every((scope) => o.matchScope(granted, scope))) {
      return json(200, { active: false });
    }
    const consent = found.grantId ? await o.consents.byGrant(found.grantId) : undefined;
    if (found.grantId && !consent) return json(200, { active: false });
    return json(200, {
      active: true,
      client_id: found.clientId,
      scope: granted.join(' '),
      // A client-credentials token's subject is the client itself, as in Hydra.
      sub: found.accountId ?? found.clientId,
      exp: found.exp,
      iat: found.iat,
      nbf: found.iat,
      aud: consent?.grantedAudience ?? [],
      iss: o.issuer,
      token_type: 'bearer',
      token_use: use,
      ...(consent?.session.access_token ? { ext: consent.session.access_token } : {}),
    });
  });
}
