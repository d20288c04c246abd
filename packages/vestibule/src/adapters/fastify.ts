// Fastify adapter: `preHandler` hooks for requireUser/requireRole (user on `request.user`) and
// getUser(request) for optional routes. Type-only import: fastify stays the app's dependency.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../session/user.ts';
import type { AuthResult, Vestibule } from '../app/types.ts';
import { toRequestLike } from './node.ts';

type WithUser = FastifyRequest & { user?: User };

export interface FastifyAuth {
  getUser(request: FastifyRequest): Promise<User | null>;
  requireUser(): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  requireRole(
    roles: string | readonly string[],
  ): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

async function send(reply: FastifyReply, response: Response): Promise<void> {
  reply.code(response.status);
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') reply.header(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) reply.header('set-cookie', cookies);
  await reply.send(await response.text());
}

/**
 * Fastify adapter.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createVestibule } from 'vestibule';
 * import { fastifyAuth } from 'vestibule/adapters/fastify';
 * const auth = fastifyAuth(createVestibule({ mode: 'header', headerSecret: process.env.VESTIBULE_HEADER_SECRET }));
 * const app = Fastify();
 * app.get('/admin', { preHandler: auth.requireRole('admin') }, async (request) => request.user);
 * ```
 */
export function fastifyAuth(vestibule: Vestibule): FastifyAuth {
  const hook =
    (check: (request: FastifyRequest) => Promise<AuthResult>) =>
    async (request: WithUser, reply: FastifyReply) => {
      const result = await check(request);
      if (result.response) return send(reply, result.response);
      request.user = result.user;
    };
  return {
    getUser: (request) => vestibule.getUser(toRequestLike(request.raw)),
    requireUser: () => hook((request) => vestibule.requireUser(toRequestLike(request.raw))),
    requireRole: (roles) =>
      hook((request) => vestibule.requireRole(toRequestLike(request.raw), roles)),
  };
}
