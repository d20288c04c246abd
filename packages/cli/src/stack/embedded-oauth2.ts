// The embedded Hydra-compatible OAuth2 server for `vestibule up`: Hydra's own hydra.yml keys, with
// the login, consent, logout and error URLs on the edge (the edge is Hydra's login app) and its data
// under the stack's data dir. Loaded lazily: `vestibule up` pays for oidc-provider only here.
import { randomBytes } from 'node:crypto';
import { listensBeyondLoopback } from 'vestibule/config';
import type { Logger } from 'vestibule/edge';
import { localSecret } from './local-secrets.ts';

export interface EmbeddedOAuth2Options {
  host: string;
  publicPort: number;
  adminPort: number;
  /** The edge's public URL: its /oauth2/* pages are Hydra's login, consent, logout and error apps. */
  edgeURL: string;
  /** The edge's revocation webhook: revoked access tokens leave its cache at once. */
  revocationWebhook?: { url: string; secret: string };
  /** PGlite directory; in memory when unset. */
  dataDir?: string;
  /** Hydra's `strategies.scope`, the same as the edge's `hydra.scope_strategy`: the edge and the
   * server it fronts must match scopes alike (else a token one accepts the other refuses). */
  scopeStrategy?: 'exact' | 'wildcard';
  logger: Logger;
}

export interface EmbeddedOAuth2 {
  publicURL: string;
  adminURL: string;
  close(): Promise<void>;
}

/** Where it will answer, known before it starts (the edge is configured with them first). */
export function embeddedOAuth2URLs(o: EmbeddedOAuth2Options): {
  publicURL: string;
  adminURL: string;
} {
  const adminHost = adminHostFor(o.host);
  return {
    publicURL: `http://localhost:${o.publicPort}`,
    adminURL: `http://${adminHost.includes(':') ? `[${adminHost}]` : adminHost}:${o.adminPort}`,
  };
}

/** Hydra's admin API accepts any login challenge: loopback only, whatever --host says. */
function adminHostFor(host: string): string {
  return listensBeyondLoopback(host) ? '127.0.0.1' : host;
}

export function embeddedHydraConfig(
  o: EmbeddedOAuth2Options,
  systemSecret: string,
): Record<string, unknown> {
  const edge = o.edgeURL.replace(/\/+$/, '');
  const adminHost = adminHostFor(o.host);
  return {
    dsn: o.dataDir ?? 'memory',
    serve: {
      public: { host: o.host, port: o.publicPort },
      admin: { host: adminHost, port: o.adminPort },
    },
    urls: {
      self: { issuer: embeddedOAuth2URLs(o).publicURL },
      login: `${edge}/oauth2/login`,
      consent: `${edge}/oauth2/consent`,
      logout: `${edge}/oauth2/logout`,
      error: `${edge}/oauth2/error`,
      post_logout_redirect: `${edge}/`,
    },
    oauth2: { pkce: { enforced_for_public_clients: true } },
    strategies: { scope: o.scopeStrategy ?? 'wildcard' },
    secrets: { system: [systemSecret] },
  };
}

export async function startEmbeddedOAuth2(o: EmbeddedOAuth2Options): Promise<EmbeddedOAuth2> {
  const { createOAuth2Server, edgeRevocationNotifier, parseConfig } =
    await import('@vestibule/oauth2-server');
  // Kept under the data dir so tokens and cookies survive a restart; per run in memory.
  const secret = o.dataDir
    ? localSecret(o.dataDir, 'hydra_system').value
    : randomBytes(32).toString('base64url');
  const server = await createOAuth2Server({
    config: parseConfig(embeddedHydraConfig(o, secret), { dev: true }),
    ...(o.revocationWebhook
      ? {
          onAccessTokensRevoked: edgeRevocationNotifier(
            o.revocationWebhook.url,
            o.revocationWebhook.secret,
          ),
        }
      : {}),
  });
  const listening = await server.listen();
  o.logger.info('embedded oauth2 server listening', { ...listening });
  return {
    publicURL: server.config.urls.self.issuer,
    adminURL: listening.adminURL,
    close: () => server.close(),
  };
}
