// serve.public.cors as Kratos honours it (rs/cors in front of the public router; options from
// Kratos's config schema): allowed_origins with `*` and one-wildcard patterns, allowed_methods,
// allowed_headers, exposed_headers, allow_credentials, max_age; the admin port has no CORS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { parseConfig, SHIPPED_CONFIG_PATH } from '../../src/config/index.ts';
import { originMatcher } from '../../src/http/cors.ts';
import { createIdentityServer, type IdentityServer } from '../../src/server.ts';

const PUBLIC = 'http://127.0.0.1:4433';
const ADMIN = 'http://127.0.0.1:4434';

async function start(cors: Record<string, unknown> | undefined): Promise<IdentityServer> {
  const raw = parse(readFileSync(SHIPPED_CONFIG_PATH, 'utf8')) as {
    serve?: { public?: Record<string, unknown> };
  };
  raw.serve ??= {};
  raw.serve.public = { ...raw.serve.public, ...(cors ? { cors } : {}) };
  const { config } = parseConfig(raw, {
    baseDir: dirname(SHIPPED_CONFIG_PATH),
    env: { SERVE_PUBLIC_BASE_URL: `${PUBLIC}/`, SERVE_ADMIN_BASE_URL: `${ADMIN}/` },
  });
  return createIdentityServer({ config, log: () => {} });
}

let server: IdentityServer;
let plain: IdentityServer;
before(async () => {
  server = await start({
    enabled: true,
    allowed_origins: ['https://app.example.com', 'https://*.tenants.example.com'],
    allowed_methods: ['GET', 'POST'],
    allowed_headers: ['Content-Type', 'X-Session-Token'],
    exposed_headers: ['Content-Type', 'X-Kratos-Authenticated-Identity-Id'],
    allow_credentials: true,
    max_age: 600,
  });
  plain = await start(undefined);
});
after(async () => {
  await server.close();
  await plain.close();
});

const preflight = (origin: string, method: string, headers?: string) =>
  new Request(`${PUBLIC}/sessions/whoami`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(headers ? { 'access-control-request-headers': headers } : {}),
    },
  });

test('a preflight from an allowed origin gets the configured CORS answer', async () => {
  const res = await server.publicHandler(
    preflight('https://app.example.com', 'POST', 'content-type, x-session-token'),
  );
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
  assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(res.headers.get('access-control-allow-headers') ?? '', /X-Session-Token/i);
  assert.equal(res.headers.get('access-control-max-age'), '600');
  assert.match(res.headers.get('vary') ?? '', /Origin/);
});

test('one wildcard in an origin matches any run of characters there, case-insensitively', async () => {
  const res = await server.publicHandler(preflight('https://Acme.Tenants.example.com', 'GET'));
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://Acme.Tenants.example.com');
  const match = originMatcher(['https://*.tenants.example.com']);
  assert.equal(
    match('https://tenants.example.com'),
    false,
    'the dot before the suffix is required',
  );
  assert.equal(match('http://a.tenants.example.com'), false, 'the scheme is part of the prefix');
  assert.equal(match('https://a.tenants.example.com.evil.test'), false);
  assert.equal(originMatcher(['*'])('https://anything.test'), true);
});

test('other origins, methods and headers get no CORS headers', async () => {
  for (const request of [
    preflight('https://evil.example.net', 'POST'),
    preflight('https://app.example.com', 'DELETE'),
    preflight('https://app.example.com', 'POST', 'x-not-allowed'),
  ]) {
    const res = await server.publicHandler(request);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
  }
  const actual = await server.publicHandler(
    new Request(`${PUBLIC}/sessions/whoami`, { headers: { origin: 'https://evil.example.net' } }),
  );
  assert.equal(actual.status, 401, 'the route still answers');
  assert.equal(actual.headers.get('access-control-allow-origin'), null);
});

test('an actual request from an allowed origin: the route answers with CORS headers', async () => {
  const res = await server.publicHandler(
    new Request(`${PUBLIC}/self-service/login/api`, {
      headers: { origin: 'https://app.example.com', accept: 'application/json' },
    }),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
  assert.match(
    res.headers.get('access-control-expose-headers') ?? '',
    /X-Kratos-Authenticated-Identity-Id/,
  );
  assert.equal(((await res.json()) as { type: string }).type, 'api');
});

test("`*` answers `*`; CORS off (Kratos's default) and the admin port add nothing", async () => {
  const open = await start({ enabled: true });
  try {
    const res = await open.publicHandler(preflight('https://whoever.test', 'PUT'));
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  } finally {
    await open.close();
  }
  const off = await plain.publicHandler(preflight('https://app.example.com', 'POST'));
  assert.equal(off.headers.get('access-control-allow-origin'), null);
  const admin = await server.adminHandler(
    new Request(`${ADMIN}/admin/identities`, { headers: { origin: 'https://app.example.com' } }),
  );
  assert.equal(admin.headers.get('access-control-allow-origin'), null);
});

test('a bad cors block is refused at startup', () => {
  assert.throws(
    () =>
      parseConfig(
        { serve: { public: { cors: { enabled: true, allowed_origins: 'https://x.test' } } } },
        { baseDir: dirname(SHIPPED_CONFIG_PATH) },
      ),
    /allowed_origins/,
  );
});
