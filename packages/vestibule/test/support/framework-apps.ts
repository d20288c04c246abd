// The same three routes built with every adapter: GET /me (getUser), GET /account (requireUser),
// GET /admin (requireRole admin). Next.js also gets /mw/* behind its middleware shape.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { KratosUnavailable } from '../../src/lib/errors.ts';
import type { User } from '../../src/session/user.ts';
import type { Vestibule } from '../../src/app/vestibule.ts';
import { expressAuth } from '../../src/adapters/express.ts';
import { fastifyAuth } from '../../src/adapters/fastify.ts';
import { honoAuth } from '../../src/adapters/hono.ts';
import { nextAuth } from '../../src/adapters/next.ts';
import { nodeAuth } from '../../src/adapters/node.ts';

export interface AppClient {
  request(path: string, headers: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export type AppFactory = (vestibule: Vestibule) => Promise<AppClient>;

const summary = (user: User | null) =>
  user ? { id: user.id, email: user.email, role: user.role } : null;

/** Runs getUser, mapping "Kratos unavailable" to 503 as an app would. */
async function me(getUser: () => Promise<User | null>): Promise<{ status: number; body: unknown }> {
  try {
    return { status: 200, body: { user: summary(await getUser()) } };
  } catch (err) {
    if (err instanceof KratosUnavailable)
      return { status: 503, body: { error: 'identity_unavailable' } };
    throw err;
  }
}

function socketClient(
  server: Server | { address(): AddressInfo | string | null },
  close: () => Promise<void>,
): AppClient {
  const { port } = server.address() as AddressInfo;
  return {
    request: (path, headers) =>
      fetch(`http://127.0.0.1:${port}${path}`, { headers, redirect: 'manual' }),
    close,
  };
}

async function listen(server: Server): Promise<AppClient> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return socketClient(server, () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
}

export const APPS: Record<string, AppFactory> = {
  async node(vestibule) {
    const auth = nodeAuth(vestibule);
    const server = createServer(async (req, res) => {
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.url === '/me') {
        const { status, body } = await me(() => auth.getUser(req));
        return json(status, body);
      }
      if (req.url === '/account') {
        const user = await auth.requireUser(req, res);
        if (user) json(200, summary(user));
        return;
      }
      if (req.url === '/admin') {
        const user = await auth.requireRole(req, res, 'admin');
        if (user) json(200, summary(user));
        return;
      }
      json(404, {});
    });
    return listen(server);
  },

  async express(vestibule) {
    const auth = expressAuth(vestibule);
    const app = express();
    app.get('/me', async (req, res) => {
      const { status, body } = await me(() => auth.getUser(req));
      res.status(status).json(body);
    });
    app.get(
      '/account',
      auth.requireUser(),
      (_req, res) => void res.json(summary(res.locals.user as User)),
    );
    app.get(
      '/admin',
      auth.requireRole(['admin']),
      (_req, res) => void res.json(summary(res.locals.user as User)),
    );
    return listen(createServer(app));
  },

  async fastify(vestibule) {
    const auth = fastifyAuth(vestibule);
    const app = Fastify();
    app.get('/me', async (request, reply) => {
      const { status, body } = await me(() => auth.getUser(request));
      return reply.code(status).send(body);
    });
    app.get('/account', { preHandler: auth.requireUser() }, async (request) =>
      summary((request as { user?: User }).user!),
    );
    app.get('/admin', { preHandler: auth.requireRole('admin') }, async (request) =>
      summary((request as { user?: User }).user!),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    return socketClient(app.server, () => app.close());
  },

  async hono(vestibule) {
    const auth = honoAuth(vestibule);
    const app = new Hono<{ Variables: { user: User } }>();
    app.get('/me', async (c) => {
      const { status, body } = await me(() => auth.getUser(c));
      return c.json(body, status as 200);
    });
    app.get('/account', auth.requireUser(), (c) => c.json(summary(c.get('user'))));
    app.get('/admin', auth.requireRole('admin'), (c) => c.json(summary(c.get('user'))));
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    return socketClient(
      server as unknown as Server,
      () => new Promise((resolve) => server.close(() => resolve())),
    );
  },

  async next(vestibule) {
    // In-process, Web Request in and Response out: exactly what Next.js hands route handlers.
    const auth = nextAuth(vestibule);
    const routes: Record<string, (request: Request) => Promise<Response>> = {
      '/me': async (request) => {
        const { status, body } = await me(() => auth.getUser(request));
        return Response.json(body, { status });
      },
      '/account': (request) =>
        Promise.resolve(
          auth.withUser(async (_r, { user }) => Response.json(summary(user)))(request, {}),
        ),
      '/admin': (request) =>
        Promise.resolve(
          auth.withRole('admin', async (_r, { user }) => Response.json(summary(user)))(request, {}),
        ),
    };
    const middleware = auth.middleware([
      { prefix: '/mw/account' },
      { prefix: '/mw/admin', roles: ['admin'] },
    ]);
    return {
      async request(path, headers) {
        const request = new Request(`http://app.test${path}`, { headers });
        if (path.startsWith('/mw/'))
          return (await middleware(request)) ?? Response.json({ passed: true });
        return routes[path]?.(request) ?? new Response(null, { status: 404 });
      },
      close: () => Promise.resolve(),
    };
  },
};
