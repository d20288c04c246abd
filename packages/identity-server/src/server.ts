// The embedded Kratos: two Web fetch handlers (public and admin, as Kratos's two ports) and a
// listen() that serves them on node:http. Admin routes exist only on the admin handler, so the
// public port can never expose them (shared/docs/kratos-contract.md "Ports and health").
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { readFileSync } from 'node:fs';
import { loadConfig } from './config/index.ts';
import type { KratosConfig } from './config/types.ts';
import { createServerContext, withClockBound } from './context-factory.ts';
import type { ExternalMail } from './courier/courier.ts';
import { createJSONLogger } from './x/log.ts';
import type { Clock, ServerContext } from './driver/context.ts';
import { registerAdminCourierRoutes } from './courier/admin-routes.ts';
import { registerAdminIdentityRoutes } from './identity/admin-routes.ts';
import { registerSchemaRoutes } from './schema/routes.ts';
import { KratosError, payloadTooLarge } from './http/errors.ts';
import { errorResponse, json } from './http/respond.ts';
import { Router } from './http/router.ts';
import { listen } from './http/serve.ts';
import { registerAdminRecoveryRoutes } from './selfservice/recovery/admin-routes.ts';
import { registerSelfServiceRoutes } from './selfservice/routes.ts';
import { CSRFProtection, issueCSRFCookieIfMissing } from './selfservice/flow/csrf.ts';
import { withCORS } from './http/cors.ts';
import { registerAdminSessionRoutes } from './session/admin-routes.ts';
import { registerPublicSessionRoutes } from './session/public-routes.ts';

export type RouteMount = (router: Router, ctx: ServerContext) => void;

export interface IdentityServerOptions {
  /** A complete context (tests). Otherwise one is built from `config` or `configPath`. */
  context?: ServerContext;
  config?: KratosConfig;
  /** A kratos.yml, as `kratos serve -c kratos.yml`. */
  configPath?: string;
  /** Replaces the context's clock (fake clocks in tests). */
  clock?: Clock;
  /** Structured log sink; default JSON lines on stderr at LOG_LEVEL (info). */
  log?: ServerContext['log'];
  /** Outbound fetch for http(s) identity schemas and the breached-password range API (tests). */
  fetch?: typeof fetch;
  /** The offline common-password floor (not a Kratos key): on unless false. */
  commonPasswords?: boolean;
  /** Kratos's --dev: reveals courier message bodies on the admin API (dev mailbox). */
  dev?: boolean;
  /** Extra routes (other capabilities of this package mount themselves here). */
  publicRoutes?: RouteMount[];
  adminRoutes?: RouteMount[];
}

export interface Listening {
  publicURL: string;
  adminURL: string;
  close(): Promise<void>;
}

export interface IdentityServer {
  context: ServerContext;
  publicHandler(request: Request): Promise<Response>;
  adminHandler(request: Request): Promise<Response>;
  /** Serves both APIs on serve.public/admin host+port from the config (port 0 = any free port). */
  listen(): Promise<Listening>;
  /** Stops listeners started by listen() and closes the database. */
  close(): Promise<void>;
  /**
   * In-process only (no HTTP route): queues a mail written by the embedding process — the edge's
   * security notifications — through this server's courier, so it is delivered (SMTP or the dev
   * mailbox) and listed by GET /admin/courier/messages like Kratos's own mail.
   */
  queueMail(mail: ExternalMail): Promise<void>;
}

const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Accept a proxy-supplied request id only when short and boring; otherwise mint one. */
function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && /^[A-Za-z0-9._-]{8,128}$/.test(given) ? given : randomUUID();
}

function registerHealth(router: Router, ctx: ServerContext): void {
  router
    .on('GET', '/health/alive', () => json({ status: 'ok' }))
    .on('GET', '/health/ready', async () => {
      try {
        await ctx.persister.ping();
        return json({ status: 'ok' });
      } catch (err) {
        ctx.log('error', 'readiness check failed', { err });
        return json({ errors: { database: 'the database is not reachable' } }, 503);
      }
    })
    .on('GET', '/version', () => json({ version: VERSION }));
}

function otherPort(baseURL: string, url: URL, path = url.pathname): string {
  return `${baseURL.replace(/\/+$/, '')}${path}${url.search}`;
}

/** net/http's Redirect writes this small page on GET and HEAD; Kratos's redirects carry it. */
function withGoRedirectBody(request: Request, response: Response): Response {
  const location = response.headers.get('location');
  if (!location || response.body !== null || response.status < 300 || response.status > 308) {
    return response;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') return response;
  const text = STATUS_CODES[response.status] ?? 'Redirect';
  const headers = new Headers(response.headers);
  headers.set('content-type', 'text/html; charset=utf-8');
  const body =
    request.method === 'GET' ? `<a href="${escapeHTML(location)}">${text}</a>.\n\n` : null;
  return new Response(body, { status: response.status, headers });
}

const escapeHTML = (s: string) =>
  s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/&#38;/g, '&amp;');

function handlerFor(
  ctx: ServerContext,
  router: Router,
  api: 'public' | 'admin',
  finish: (request: Request, response: Response) => Response = (_, r) => r,
) {
  router.onUnexpectedError = (err, rc) =>
    ctx.log('error', 'request failed', {
      api,
      request_id: rc.requestId,
      path: rc.url.pathname,
      err,
    });
  return async (request: Request, clientAddress?: string): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdOf(request);
    let response: Response;
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (Number.isFinite(declared) && declared > ctx.config.body_limit_bytes) {
      response = errorResponse(payloadTooLarge(ctx.config.body_limit_bytes), requestId);
    } else {
      try {
        response = await router.handle(request, requestId, clientAddress);
      } catch (err) {
        // Router renders handler errors itself; this only catches bugs in the router.
        if (!(err instanceof KratosError)) ctx.log('error', 'router failed', { api, err });
        response = errorResponse(err, requestId);
      }
    }
    response = finish(request, withGoRedirectBody(request, response));
    response.headers.set('x-request-id', requestId);
    // The rest of an oversized body is never read: close the connection rather than leave unread
    // bytes on a keep-alive socket that the client would reuse.
    if (response.status === 413) response.headers.set('connection', 'close');
    ctx.log('debug', 'request', {
      api,
      request_id: requestId,
      method: request.method,
      path: new URL(request.url, 'http://invalid').pathname,
      status: response.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
    });
    return response;
  };
}

async function buildContext(options: IdentityServerOptions): Promise<ServerContext> {
  if (options.context) {
    const { courier: _courier, continuity: _continuity, ...given } = options.context;
    return options.clock ? withClockBound({ ...given, clock: options.clock }) : options.context;
  }
  let config = options.config;
  if (!config) {
    if (!options.configPath) {
      throw new TypeError('createIdentityServer: one of config, configPath or context is required');
    }
    const parsed = await loadConfig(options.configPath);
    const log = options.log ?? createJSONLogger();
    for (const w of parsed.warnings) log('warn', w.message, { code: w.code, key: w.key });
    config = parsed.config;
  }
  return createServerContext(config, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.commonPasswords === undefined ? {} : { commonPasswords: options.commonPasswords }),
  });
}

export async function createIdentityServer(
  options: IdentityServerOptions,
): Promise<IdentityServer> {
  const context = await buildContext(options);
  const publicRouter = new Router();
  registerHealth(publicRouter, context);
  registerSelfServiceRoutes(publicRouter, context);
  registerPublicSessionRoutes(publicRouter, context);
  registerSchemaRoutes(publicRouter, context);
  for (const mount of options.publicRoutes ?? []) mount(publicRouter, context);

  const adminRouter = new Router();
  registerHealth(adminRouter, context);
  registerAdminSessionRoutes(adminRouter, context);
  registerAdminIdentityRoutes(adminRouter, context);
  registerAdminCourierRoutes(adminRouter, context, { dev: options.dev ?? false });
  registerAdminRecoveryRoutes(adminRouter, context);
  for (const mount of options.adminRoutes ?? []) mount(adminRouter, context);

  // Kratos x.RedirectToPublicRoute / RedirectToAdminRoute: a route of the other port answers
  // 307 to the same path on that port's base URL (nothing of the other API is served here).
  // RedirectToAdminRoute puts the /admin prefix on (Kratos serves /identities… on the public port
  // too); RedirectToPublicRoute takes it off (DELETE /admin/sessions → /sessions).
  publicRouter.elsewhere = (url, method) => {
    const path = `/admin${url.pathname.replace(/^\/admin(?=\/)/, '')}`;
    return adminRouter.hasRoute(method, path)
      ? otherPort(context.config.serve.admin.base_url, url, path)
      : undefined;
  };
  adminRouter.elsewhere = (url, method) => {
    if (publicRouter.hasRoute(method, url.pathname)) {
      return otherPort(context.config.serve.public.base_url, url);
    }
    const path = url.pathname.replace(/^\/admin(?=\/)/, '');
    return path !== url.pathname && publicRouter.hasRoute(method, path)
      ? otherPort(context.config.serve.public.base_url, url, path)
      : undefined;
  };
  const csrf = new CSRFProtection(context.config);
  // Kratos puts rs/cors in front of the public router only (serve.public.cors).
  const handlePublic = withCORS(
    context.config.serve.public.cors,
    context.log,
    handlerFor(context, publicRouter, 'public', (request, response) =>
      issueCSRFCookieIfMissing(csrf, request, response),
    ),
  );
  const handleAdmin = handlerFor(context, adminRouter, 'admin');
  // The exported handlers take a Request only: frameworks pass other things as a second argument.
  const publicHandler = (request: Request) => handlePublic(request);
  const adminHandler = (request: Request) => handleAdmin(request);
  const listeners: Array<{ close(): Promise<void> }> = [];

  async function startListening(): Promise<Listening> {
    const serve = context.config.serve;
    // node:http hands over the socket beside the Request; its address goes on with the request.
    const remember =
      (handler: (r: Request, clientAddress?: string) => Promise<Response>) =>
      (request: Request, env?: { incoming?: { socket?: { remoteAddress?: string } } }) =>
        handler(request, env?.incoming?.socket?.remoteAddress);
    const pub = await listen(remember(handlePublic), {
      host: serve.public.host,
      port: serve.public.port,
    });
    listeners.push(pub);
    const adm = await listen(remember(handleAdmin), {
      host: serve.admin.host,
      port: serve.admin.port,
    });
    listeners.push(adm);
    context.courier.start();
    const close = async () => {
      await Promise.all([pub.close(), adm.close()]);
    };
    return { publicURL: pub.url, adminURL: adm.url, close };
  }

  return {
    context,
    publicHandler,
    adminHandler,
    listen: startListening,
    async queueMail(mail) {
      await context.courier.queueMail(mail);
    },
    async close() {
      await context.courier.close();
      await Promise.all(listeners.splice(0).map((l) => l.close()));
      await context.persister.close();
    },
  };
}
