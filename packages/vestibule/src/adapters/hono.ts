// Hono adapter: middleware that sets `c.get('user')`, and getUser(c). Hono is Web-standard, so
// this only passes `c.req.raw` through.
import type { Context, MiddlewareHandler } from 'hono';
import type { User } from '../session/user.ts';
import type { AuthResult, Vestibule } from '../app/types.ts';

export type VestibuleVariables = { user: User };

export interface HonoAuth {
  getUser(c: Context): Promise<User | null>;
  requireUser(): MiddlewareHandler<{ Variables: VestibuleVariables }>;
  requireRole(
    roles: string | readonly string[],
  ): MiddlewareHandler<{ Variables: VestibuleVariables }>;
}

/**
 * Hono adapter.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { createVestibule } from 'vestibule';
 * import { honoAuth, type VestibuleVariables } from 'vestibule/adapters/hono';
 * const auth = honoAuth(createVestibule({ mode: 'header', headerSecret: process.env.VESTIBULE_HEADER_SECRET }));
 * const app = new Hono<{ Variables: VestibuleVariables }>();
 * app.get('/me', auth.requireUser(), (c) => c.json(c.get('user')));
 * ```
 */
export function honoAuth(vestibule: Vestibule): HonoAuth {
  const middleware =
    (
      check: (request: Request) => Promise<AuthResult>,
    ): MiddlewareHandler<{ Variables: VestibuleVariables }> =>
    async (c, next) => {
      const result = await check(c.req.raw);
      if (result.response) return result.response;
      c.set('user', result.user);
      await next();
      return undefined;
    };
  return {
    getUser: (c) => vestibule.getUser(c.req.raw),
    requireUser: () => middleware((request) => vestibule.requireUser(request)),
    requireRole: (roles) => middleware((request) => vestibule.requireRole(request, roles)),
  };
}
