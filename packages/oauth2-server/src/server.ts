// The embedded Hydra: hydra.yml → database (PGlite or PostgreSQL), signing keys (generated once,
// kept), oidc-provider configured as Hydra, and two listeners like Hydra's: the public API (the
// protocol, on oidc-provider's Node handler) and the admin API (Web Request/Response handlers).
// Admin routes exist only on the admin listener.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type Provider from 'oidc-provider';
import { loadConfig, type HydraConfig } from './config/index.ts';
import { mountClientRoutes } from './client/handler.ts';
import { mountConsentRoutes } from './consent/consent-handler.ts';
import { mountLoginRoutes } from './consent/login-handler.ts';
import { mountLogoutRoutes } from './consent/logout-handler.ts';
import { LogoutStore } from './consent/logout-store.ts';
import { mountSessionRoutes } from './consent/sessions-handler.ts';
import { ConsentStore } from './consent/store.ts';
import { mountKeyRoutes } from './jwk/handler.ts';
import { ACCESS_TOKEN_SET, ensureSigningKeys, generateSigningKey, keysOfSet } from './jwk/keys.ts';
import { installJWTAccessTokens } from './oauth2/jwt-access-token.ts';
import { mountIntrospection } from './oauth2/introspect.ts';
import { scopeMatcher } from './oauth2/scope-strategy.ts';
import { createProvider } from './oauth2/provider.ts';
import { installPublicMiddleware } from './oauth2/public-middleware.ts';
import { kyselyAdapterFactory } from './persistence/adapter.ts';
import { revokedAccessTokens, type AccessTokensRevoked } from './oauth2/revocation-notice.ts';
import { openDatabase, type OpenedDatabase } from './persistence/database.ts';
import { json, Router } from './x/http.ts';

export interface OAuth2ServerOptions {
  config?: HydraConfig;
  /** A hydra.yml, as `hydra serve all -c hydra.yml`. */
  configPath?: string;
  /** Hydra's --dev (http issuer allowed, `_dev` cookie names). */
  dev?: boolean;
  /**
   * Told the access tokens this server stopped honouring (revoked, replaced by a refresh, or their
   * family revoked): opaque ones by value, JWTs by `jti`, so a caching gateway can forget them at
   * once; real Hydra has no such hook. See `edgeRevocationNotifier`. Never awaited by the
   * protocol; its errors are swallowed.
   */
  onAccessTokensRevoked?: AccessTokensRevoked;
}

export interface Listening {
  publicURL: string;
  adminURL: string;
}

export interface OAuth2Server {
  config: HydraConfig;
  provider: Provider;
  /** The public API as a Node handler (tests call it in-process). */
  handlePublic(req: IncomingMessage, res: ServerResponse): void;
  /** The admin API as a Web fetch handler. */
  handleAdmin(request: Request): Promise<Response>;
  listen(): Promise<Listening>;
  close(): Promise<void>;
}

const HEALTH = { '/health/alive': { status: 'ok' }, '/health/ready': { status: 'ok' } } as Record<
  string,
  unknown
>;

function adminRouter(parts: {
  provider: Provider;
  config: HydraConfig;
  database: OpenedDatabase;
  consents: ConsentStore;
  logouts: LogoutStore;
  adapterFor: ReturnType<typeof kyselyAdapterFactory>;
  adminURL: () => string;
}): Router {
  const { provider, config, database, consents, logouts, adapterFor } = parts;
  const issuer = config.urls.self.issuer;
  const router = new Router();
  const clients = mountClientRoutes(router, {
    provider,
    adapter: adapterFor('Client'),
    db: database.db,
    publicURL: issuer,
    get adminURL() {
      return parts.adminURL();
    },
  });
  mountLoginRoutes(router, { provider, clients, issuer });
  mountConsentRoutes(router, { provider, clients, issuer, consents });
  mountLogoutRoutes(router, { logouts, clients, issuer });
  mountSessionRoutes(router, { consents, db: database.db, adapter: adapterFor('Grant') });
  mountIntrospection(router, {
    provider,
    consents,
    issuer,
    matchScope: scopeMatcher(config.strategies.scope),
  });
  mountKeyRoutes(router, database.db);
  return router;
}

export async function createOAuth2Server(options: OAuth2ServerOptions): Promise<OAuth2Server> {
  const config =
    options.config ??
    (options.configPath ? await loadConfig(options.configPath, { dev: options.dev }) : undefined);
  if (!config) throw new TypeError('createOAuth2Server: pass config or configPath');
  // RSA key generation and the database open are independent: run them side by side.
  const freshKeys = Promise.all([generateSigningKey(), generateSigningKey()]);
  freshKeys.catch(() => {});
  const database = await openDatabase(config.dsn);
  const onDeleted = revokedAccessTokens(options.onAccessTokensRevoked);
  const adapterFor = kyselyAdapterFactory(database.db, Date.now, onDeleted);
  const consents = new ConsentStore(database.db);
  const logouts = new LogoutStore(
    adapterFor('HydraLogoutRequest'),
    config.ttl.login_consent_request,
  );
  const keys = await ensureSigningKeys(database.db, freshKeys);
  const provider = createProvider({ config, adapter: adapterFor, keys, consents, logouts });
  installPublicMiddleware(provider, config, logouts, database.db, onDeleted);
  if (config.strategies.access_token === 'jwt') {
    // Signed with the newest key of Hydra's access-token set (jwks.json lists it already).
    const [key] = await keysOfSet(database.db, ACCESS_TOKEN_SET);
    installJWTAccessTokens(provider, { issuer: config.urls.self.issuer, key: key!, consents });
  }
  const servers: Server[] = [];
  let adminURL = `http://${config.serve.admin.host}:${config.serve.admin.port}`;
  const router = adminRouter({
    provider,
    config,
    database,
    consents,
    logouts,
    adapterFor,
    adminURL: () => adminURL,
  });
  const callback = provider.callback();

  const handlePublic = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path in HEALTH) {
      res
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(HEALTH[path]));
      return;
    }
    void callback(req, res);
  };

  const handleAdmin = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname in HEALTH) return json(200, HEALTH[url.pathname]);
    // Hydra's admin port also serves every admin route without the /admin prefix.
    if (!url.pathname.startsWith('/admin/')) {
      url.pathname = `/admin${url.pathname}`;
      return router.handle(new Request(url, request));
    }
    return router.handle(request);
  };

  const listenOn = (server: Server, host: string, port: number) =>
    new Promise<string>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const { port: bound } = server.address() as AddressInfo;
        resolve(`http://${host.includes(':') ? `[${host}]` : host}:${bound}`);
      });
    });

  return {
    config,
    provider,
    handlePublic,
    handleAdmin,
    async listen() {
      const publicServer = createServer(handlePublic);
      const adminServer = createServer(getRequestListener(handleAdmin));
      servers.push(publicServer, adminServer);
      const publicURL = await listenOn(
        publicServer,
        config.serve.public.host,
        config.serve.public.port,
      );
      adminURL = await listenOn(adminServer, config.serve.admin.host, config.serve.admin.port);
      return { publicURL, adminURL };
    },
    async close() {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      await database.close();
    },
  };
}
