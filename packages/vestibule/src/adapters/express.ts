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
