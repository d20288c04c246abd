// The handler is framework-free: the same function mounted in a Hono app (in-process, app.request)
// under a custom prefix, and called the way a Next.js route handler calls it (a bare Request).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { createOryProxy } from '../../src/proxy/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';

function kratosStub(seen: string[]) {
  return async (input: string | URL | Request): Promise<Response> => {
    seen.push(String(input));
    return Response.json(
      { ui: { action: 'http://ory-kratos:4433/self-service/login?flow=1' } },
      { headers: { 'set-cookie': 'csrf_token_x=v; Path=/; Domain=ory-kratos; HttpOnly' } },
    );
  };
}

test('mounted in a Hono app under /auth/ory', async () => {
  const seen: string[] = [];
  const proxy = createOryProxy({
    kratosPublicURL: 'http://ory-kratos:4433',
    publicOrigin: 'https://app.example.com',
    prefix: '/auth/ory',
    fetch: kratosStub(seen),
    logger: createMemoryLogger(),
  });
  const app = new Hono();
  app.all('/auth/ory/*', (c) => proxy(c.req.raw));
  app.get('/', (c) => c.text('home'));

  const res = await app.request('https://app.example.com/auth/ory/self-service/login/flows?id=1');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    ui: { action: 'https://app.example.com/auth/ory/self-service/login?flow=1' },
  });
  assert.deepEqual(res.headers.getSetCookie(), ['csrf_token_x=v; Path=/; HttpOnly; Secure']);
  assert.deepEqual(seen, ['http://ory-kratos:4433/self-service/login/flows?id=1']);
  const admin = await app.request('https://app.example.com/auth/ory/admin/identities');
  assert.equal(admin.status, 404);
  assert.equal(seen.length, 1);
  assert.equal(await (await app.request('https://app.example.com/')).text(), 'home');
});

test('called like a Next.js route handler: publicOrigin derived from the request', async () => {
  const seen: string[] = [];
  const GET = createOryProxy({
    kratosPublicURL: 'http://ory-kratos:4433',
    fetch: kratosStub(seen),
    logger: createMemoryLogger(),
  });
  const res = await GET(new Request('http://localhost:3000/api/ory/self-service/login/flows?id=1'));
  const body = (await res.json()) as { ui: { action: string } };
  assert.equal(body.ui.action, 'http://localhost:3000/api/ory/self-service/login?flow=1');
  assert.deepEqual(res.headers.getSetCookie(), ['csrf_token_x=v; Path=/; HttpOnly']);
});
