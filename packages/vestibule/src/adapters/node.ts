// Node `http` adapter: IncomingMessage → the library's RequestLike (once per request object, so
// getUser's per-request memo works), and a Web Response written back to a ServerResponse.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { User } from '../session/user.ts';
import type { RequestLike, Vestibule } from '../app/types.ts';
import { nodeHeaderReader } from '../session/credential.ts';

const views = new WeakMap<IncomingMessage, RequestLike>();

/** Express sets `originalUrl` (mounted routers rewrite `url`); the signature covers the original. */
export function toRequestLike(req: IncomingMessage & { originalUrl?: string }): RequestLike {
  let view = views.get(req);
  if (!view) {
    view = {
      method: req.method ?? 'GET',
      url: req.originalUrl ?? req.url ?? '/',
      headers: nodeHeaderReader(req.headers),
      clientAddress: req.socket?.remoteAddress,
    };
    views.set(req, view);
  }
  return view;
}

export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(body);
}

export interface NodeAuth {
  getUser(req: IncomingMessage): Promise<User | null>;
  /** The user, or null after writing the 303/401/503 response. */
  requireUser(req: IncomingMessage, res: ServerResponse): Promise<User | null>;
  requireRole(
    req: IncomingMessage,
    res: ServerResponse,
    roles: string | readonly string[],
  ): Promise<User | null>;
}

/**
 * Node `http` adapter.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createVestibule } from 'vestibule';
 * import { nodeAuth } from 'vestibule/adapters/node';
 * const auth = nodeAuth(createVestibule({ mode: 'header', headerSecret: process.env.VESTIBULE_HEADER_SECRET }));
 * createServer(async (req, res) => {
 *   const user = await auth.getUser(req);
 *   res.end(user ? `hello ${user.email}` : 'hello stranger');
 * }).listen(4001);
 * ```
 */
export function nodeAuth(vestibule: Vestibule): NodeAuth {
  const settle = async (
    result: Awaited<ReturnType<Vestibule['requireUser']>>,
    res: ServerResponse,
  ) => {
    if (result.response) {
      await writeResponse(res, result.response);
      return null;
    }
    return result.user;
  };
  return {
    getUser: (req) => vestibule.getUser(toRequestLike(req)),
    requireUser: async (req, res) => settle(await vestibule.requireUser(toRequestLike(req)), res),
    requireRole: async (req, res, roles) =>
      settle(await vestibule.requireRole(toRequestLike(req), roles), res),
  };
}
