// Express adapter: `requireUser()` / `requireRole()` middleware that put the user on
// `res.locals.user` (and `req.user`), and `getUser(req)` for optional routes.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { User } from '../session/user.ts';
import type { Vestibule } from '../app/types.ts';
import { toRequestLike, writeResponse } from './node.ts';

type WithUser = Request & { user?: User };

export interface ExpressAuth {
  getUser(req: Request): Promise<User | null>;
  requireUser(): RequestHandler;
  requireRole(roles: string | readonly string[]): RequestHandler;
}

/**
 * Express adapter.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createVestibule } from 'vestibule';
 * import { expressAuth } from 'vestibule/adapters/express';
 * const auth = expressAuth(createVestibule({ mode: 'header', headerSecret: process.env.VESTIBULE_HEADER_SECRET }));
 * const app = express();
 * app.get('/me', auth.requireUser(), (req, res) => res.json(res.locals.user));
 * app.get('/', async (req, res) => res.send((await auth.getUser(req))?.email ?? 'anonymous'));
 * ```
 */
export function expressAuth(vestibule: Vestibule): ExpressAuth {
  const guard =
    (check: (req: Request) => ReturnType<Vestibule['requireUser']>): RequestHandler =>
    (req: WithUser, res: Response, next: NextFunction) => {
      check(req).then(async (result) => {
        if (result.response) return writeResponse(res, result.response);
        req.user = result.user;
        res.locals.user = result.user;
        next();
      }, next);
    };
  return {
    getUser: (req) => vestibule.getUser(toRequestLike(req)),
    requireUser: () => guard((req) => vestibule.requireUser(toRequestLike(req))),
    requireRole: (roles) => guard((req) => vestibule.requireRole(toRequestLike(req), roles)),
  };
}
