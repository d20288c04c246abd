// Telling a caching gateway which access tokens stopped being valid. Real Hydra has no such hook: an
// edge in front of it trusts an introspected token until its cache TTL ends. The embedded server
// knows every delete of a stored token (revocation, the access token a refresh replaces, a family
// revoked on refresh or code reuse, a consent session revoked), so it can say so at once.
// An opaque token is reported by its value (its stored id is its value, which the edge keys its
// cache by, hashed); a JWT access token, whose value is not stored, by its `jti`.
import type { DeletedRows } from '../persistence/adapter.ts';
import { TOKEN_PREFIXES } from './hydra-shapes.ts';

const ACCESS_TOKEN_MODELS = new Set(['AccessToken', 'ClientCredentials']);

/** Opaque access tokens by value, JWT access tokens by `jti`. */
export type AccessTokensRevoked = (
  tokens: readonly string[],
  jtis: readonly string[],
) => void | Promise<void>;

export function revokedAccessTokens(
  notify: AccessTokensRevoked | undefined,
): DeletedRows | undefined {
  if (!notify) return undefined;
  return (rows) => {
    const ids = rows.filter((row) => ACCESS_TOKEN_MODELS.has(row.model)).map((row) => row.id);
    const tokens = ids.filter((id) => id.startsWith(TOKEN_PREFIXES.AccessToken));
    const jtis = ids.filter((id) => !id.startsWith(TOKEN_PREFIXES.AccessToken));
    if (tokens.length === 0 && jtis.length === 0) return;
    // Never in the protocol's way: a slow or failing listener cannot fail a revocation.
    void Promise.resolve()
      .then(() => notify(tokens, jtis))
      .catch(() => {});
  };
}

/**
 * A listener that calls a Vestibule edge's revocation webhook (`POST <url>` with
 * `Authorization: Bearer <secret>` and `{ "access_token": … }` or `{ "access_token_jti": … }`) for
 * each token, with a timeout. The edge evicts it and announces it to its peers over the session bus.
 */
export function edgeRevocationNotifier(
  webhookURL: string,
  secret: string,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): (tokens: readonly string[], jtis?: readonly string[]) => Promise<void> {
  const send = options.fetch ?? fetch;
  return async (tokens, jtis = []) => {
    const bodies = [
      ...tokens.map((token) => ({ access_token: token })),
      ...jtis.map((jti) => ({ access_token_jti: jti })),
    ];
    await Promise.allSettled(
      bodies.map((body) =>
        send(webhookURL, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 2_000),
        }).then((response) => response.body?.cancel()),
      ),
    );
  };
}
