// Next.js adapter, on Web Request/Response only (no `next` import): route-handler wrappers and a
// middleware function. Next's middleware continues when it returns nothing, so `middleware()`
// returns a Response only to deny.
//
// Header mode + replay protection: Next builds separate Request objects for middleware and route
// handler, so verify identity in ONE of them, or create the library with `replayProtection: false`
// (see docs/identity-headers.md).
import type { User } from '../app/user.ts';
import type { Vestibule } from '../app/vestibule.ts';

export type RouteHandler<C> = (request: Request, context: C) => Response | Promise<Response>;
export type UserRouteHandler<C> = (
  request: Request,
  context: C & { user: User },
) => Response | Promise<Response>;

export interface ProtectRule {
  /** Path prefix: `/account` covers `/account` and `/account/…`. */
  prefix: string;
  /** When set, one of these roles is required; otherwise any signed-in user. */
  roles?: readonly string[];
}

export interface NextAuth {
  getUser(request: Request): Promise<User | null>;
  withUser<C>(handler: UserRouteHandler<C>): RouteHandler<C>;
  withRole<C>(roles: string | readonly string[], handler: UserRouteHandler<C>): RouteHandler<C>;
  middleware(rules: readonly ProtectRule[]): (request: Request) => Promise<Response | undefined>;
}

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
      for (const rule of rules) {
        if (!rule.prefix.startsWith('/'))
          throw new TypeError(`nextAuth.middleware: prefix must start with "/": ${rule.prefix}`);
      }
      return async (request) => {
        const path = new URL(request.url).pathname;
        const rule = rules.find(
          (r) => path === r.prefix || path.startsWith(r.prefix.replace(/\/$/, '') + '/'),
        );
        if (!rule) return undefined;
        const result = rule.roles
          ? await vestibule.requireRole(request, rule.roles)
          : await vestibule.requireUser(request);
        return result.response ?? undefined;
      };
    },
  };
}
