// Next.js adapter, on Web Request/Response only (no `next` import): route-handler wrappers and a
// middleware function. Next's middleware continues when it returns nothing, so `middleware()`
// returns a Response only to deny.
//
// Header mode + replay protection: Next builds separate Request objects for middleware and route
// handler, so verify identity in ONE of them, or create the library with `replayProtection: false`
// (see docs/identity-headers.md).
import { badTargetDecision, toResponse, wantsHTML } from '../access/decision.ts';
import { crossSiteDecision, isCrossSiteRequest } from '../access/cross-site.ts';
import type { User } from '../session/user.ts';
import type { Vestibule } from '../app/types.ts';
import { normaliseTarget } from '../access/target.ts';
import { requestIdFrom } from '../lib/request-id.ts';

export type RouteHandler<C> = (request: Request, context: C) => Response | Promise<Response>;
export type UserRouteHandler<C> = (
  request: Request,
  context: C & { user: User },
) => Response | Promise<Response>;

export interface ProtectRule {
  /**
   * Path prefix: `/account` (or `/account/`) covers `/account` and `/account/…`, matched on the
   * path Next routes (`nextUrl.pathname`, without basePath or locale), normalised as the edge does.
   */
  prefix: string;
  /** When set, one of these roles is required; otherwise any signed-in user. */
  roles?: readonly string[];
  /**
   * Refuse cross-site unsafe requests (and upgrades) under this prefix, as the edge's rules do;
   * default `on`. Without the edge in front (session mode), the app is the only place to check:
   * SameSite=Lax still sends the cookie from sibling subdomains. `off` for webhooks.
   */
  csrf?: 'on' | 'off';
}

export interface NextAuth {
  getUser(request: Request): Promise<User | null>;
  withUser<C>(handler: UserRouteHandler<C>): RouteHandler<C>;
  withRole<C>(roles: string | readonly string[], handler: UserRouteHandler<C>): RouteHandler<C>;
  middleware(rules: readonly ProtectRule[]): (request: Request) => Promise<Response | undefined>;
}

/**
 * Next.js adapter (route handlers and middleware, on Web Request/Response).
 *
 * @example
 * ```ts
 * // app/api/me/route.ts
 * import { createVestibule } from 'vestibule';
 * import { nextAuth } from 'vestibule/adapters/next';
 * const auth = nextAuth(createVestibule({ mode: 'header', headerSecret: process.env.VESTIBULE_HEADER_SECRET }));
 * export const GET = auth.withUser(async (request, { user }) => Response.json(user));
 * ```
 */
export function nextAuth(vestibule: Vestibule): NextAuth {
  const wrap =
    <C>(
      check: (request: Request) => ReturnType<Vestibule['requireUser']>,
      handler: UserRouteHandler<C>,
    ): RouteHandler<C> =>
    async (request, context) => {
      const result = await check(request);
      if (result.response) return result.response;
      return handler(request, { ...context, user: result.user });
    };
  return {
    getUser: (request) => vestibule.getUser(request),
    withUser: (handler) => wrap((request) => vestibule.requireUser(request), handler),
    withRole: (roles, handler) => wrap((request) => vestibule.requireRole(request, roles), handler),
    middleware(rules) {
      const compiled = rules.map((rule) => ({ rule, prefix: compilePrefix(rule.prefix) }));
      return async (request) => {
        const path = routedPath(request);
        // A path the edge would refuse (encoded slash, `..;`) cannot be matched safely: refuse it.
        if (path === null) return badTarget(request);
        const rule = compiled.find(
          ({ prefix }) => prefix === '/' || path === prefix || path.startsWith(prefix + '/'),
        )?.rule;
        if (!rule) return undefined;
        if (rule.csrf !== 'off' && isCrossSite(request)) return crossSite(request);
        const result = rule.roles
          ? await vestibule.requireRole(request, rule.roles)
          : await vestibule.requireUser(request);
        return result.response ?? undefined;
      };
    },
  };
}

/** `/admin/` and `/admin` protect the same pages: Next serves `/admin` for both. */
function compilePrefix(prefix: string): string {
  const path = prefix.startsWith('/') ? normaliseTarget(prefix)?.path : undefined;
  if (!path || prefix.includes('?')) {
    throw new TypeError(
      `nextAuth.middleware: prefix must be a plain path starting with "/": ${prefix}`,
    );
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/**
 * The path Next routes on, normalised like the edge's (dot segments, `%61` → `a`, `//` merged):
 * `nextUrl.pathname` when Next provides it, because `request.url` still carries the basePath (and
 * a locale prefix), which would make every rule miss.
 */
function routedPath(request: Request): string | null {
  const nextUrl = (request as { nextUrl?: { pathname?: unknown } }).nextUrl;
  const pathname =
    typeof nextUrl?.pathname === 'string' ? nextUrl.pathname : new URL(request.url).pathname;
  return normaliseTarget(pathname)?.path ?? null;
}

function isCrossSite(request: Request): boolean {
  return isCrossSiteRequest({
    method: request.method,
    headers: request.headers,
    ownOrigin: () => new URL(request.url).origin,
  });
}

function crossSite(request: Request): Response {
  const { headers } = request;
  return toResponse(
    crossSiteDecision({ requestId: requestIdFrom(headers), html: wantsHTML(headers) }),
  );
}

function badTarget(request: Request): Response {
  const { headers } = request;
  return toResponse(
    badTargetDecision({ requestId: requestIdFrom(headers), html: wantsHTML(headers) }),
  );
}
