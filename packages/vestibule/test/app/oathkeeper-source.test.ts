// Issue 14: getUser() behind a real Oathkeeper verifies the id_token mutator's JWT against the JWKS
// (issuer, audience, clock skew; RS256/ES256 only) and fails closed when the keys cannot be fetched.
// The clock is injected: expiry is decided by the test's clock, not by the wall clock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createVestibule } from '../../src/app/vestibule.ts';
import type { VestibuleOptions } from '../../src/app/types.ts';
import { nodeAuth } from '../../src/adapters/node.ts';
import { KratosUnavailable } from '../../src/lib/errors.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import {
  kratosSessionClaim,
  startOathkeeperJWKS,
  type OathkeeperJWKS,
} from '../../../../test/support/oathkeeper-jwks.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');
let clock = T0;
const now = () => clock;
const AUDIENCE = 'notes-app';
let jwks: OathkeeperJWKS;

before(async () => {
  jwks = await startOathkeeperJWKS({ now });
});
after(() => jwks.close());

function vestibule(overrides: Partial<NonNullable<VestibuleOptions['oathkeeper']>> = {}) {
  const logger = createMemoryLogger();
  const instance = createVestibule({
    mode: 'oathkeeper',
    oathkeeper: { jwksURL: jwks.url, issuer: jwks.issuer, audience: AUDIENCE, ...overrides },
    now,
    logger,
  });
  return Object.assign(instance, { logger });
}

const withToken = (token: string, headers: Record<string, string> = {}) =>
  new Request('http://app/account', {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...headers },
  });

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('a valid RS256 or ES256 token gives the user: sub, and email/role/traits from the session claim', async () => {
  const app = vestibule();
  const id = randomUUID();
  for (const alg of ['RS256', 'ES256'] as const) {
    const token = await jwks.mint({
      alg,
      sub: id,
      claims: {
        aud: [AUDIENCE],
        session: kratosSessionClaim({ id, email: 'k@example.com', role: 'admin' }),
      },
    });
    const user = await app.getUser(withToken(token));
    assert.equal(user?.id, id, alg);
    assert.equal(user?.email, 'k@example.com');
    assert.equal(user?.role, 'admin');
    assert.deepEqual(user?.traits, { email: 'k@example.com' });
    assert.equal(user?.session?.identity.id, id);
    assert.equal((await app.requireRole(withToken(token), 'admin')).response, null);
  }
});

test('a token without a session claim: sub only, the default role; flat email/role claims are read', async () => {
  const app = vestibule();
  const bare = await app.getUser(
    withToken(await jwks.mint({ sub: 'u-1', claims: { aud: AUDIENCE } })),
  );
  assert.deepEqual(
    { id: bare?.id, email: bare?.email, role: bare?.role, session: bare?.session },
    { id: 'u-1', email: null, role: 'user', session: null },
  );
  const flat = await app.getUser(
    withToken(
      await jwks.mint({
        sub: 'u-2',
        claims: { aud: AUDIENCE, email: 'f@example.com', role: 'editor' },
      }),
    ),
  );
  assert.equal(flat?.email, 'f@example.com');
  assert.equal(flat?.role, 'editor');
});

test("Oathkeeper's anonymous subject is anonymous: requireUser redirects browsers to login", async () => {
  const app = vestibule();
  const token = await jwks.mint({ sub: 'anonymous', claims: { aud: AUDIENCE } });
  assert.equal(await app.getUser(withToken(token)), null);
  const result = await app.requireUser(withToken(token, { accept: 'text/html' }));
  assert.equal(result.response?.status, 303);
  assert.match(result.response?.headers.get('location') ?? '', /^\/login\?return_to=/);
});

/** Each refused token: getUser null, requireUser 401 without a redirect, a logged reason. */
async function assertRefused(token: string, reason: RegExp, app = vestibule()) {
  assert.equal(await app.getUser(withToken(token)), null);
  const result = await app.requireUser(withToken(token, { accept: 'text/html' }));
  assert.equal(result.response?.status, 401, 'no login redirect on a refused token');
  const logged = app.logger.lines.find((l) => l.msg === 'rejected Oathkeeper id_token');
  assert.match(String(logged?.reason), reason);
}

test('wrong issuer is refused', async () => {
  await assertRefused(
    await jwks.mint({ iss: 'http://evil.example/', claims: { aud: AUDIENCE } }),
    /ERR_JWT_CLAIM_VALIDATION_FAILED.*iss/,
  );
});

test('wrong or missing audience is refused', async () => {
  await assertRefused(
    await jwks.mint({ claims: { aud: 'other-app' } }),
    /ERR_JWT_CLAIM_VALIDATION_FAILED.*aud/,
  );
  await assertRefused(await jwks.mint({}), /ERR_JWT_CLAIM_VALIDATION_FAILED.*aud/);
});

test('expired is refused, within the clock skew it is not (injected clock)', async () => {
  const token = await jwks.mint({ at: T0, ttlSeconds: 60, claims: { aud: AUDIENCE } });
  clock = T0 + 60_000 + 29_000; // 29 s past exp, default skew 30 s
  try {
    assert.ok(await vestibule().getUser(withToken(token)), 'inside the 30 s skew');
    clock = T0 + 60_000 + 31_000;
    await assertRefused(token, /ERR_JWT_EXPIRED/);
    assert.ok(
      await vestibule({ clockToleranceSeconds: 120 }).getUser(withToken(token)),
      'a configured skew is honoured',
    );
    clock = T0 - 120_000; // not yet valid (nbf, iat in the future)
    await assertRefused(token, /ERR_JWT_CLAIM_VALIDATION_FAILED.*nbf|iat/);
  } finally {
    clock = T0;
  }
});

test('a remembered (already verified) token still expires on the same instance', async () => {
  const app = vestibule();
  const token = await jwks.mint({ at: T0, ttlSeconds: 60, claims: { aud: AUDIENCE } });
  try {
    assert.ok(await app.getUser(withToken(token)), 'verified, and remembered');
    clock = T0 + 60_000 + 29_000;
    assert.ok(await app.getUser(withToken(token)), 'still inside exp + skew');
    clock = T0 + 60_000 + 30_000;
    assert.equal(await app.getUser(withToken(token)), null, 'expired, though remembered');
    const logged = app.logger.lines.find((l) => l.msg === 'rejected Oathkeeper id_token');
    assert.match(String(logged?.reason), /ERR_JWT_EXPIRED/);
  } finally {
    clock = T0;
  }
});

test('a key the JWKS does not publish (unknown kid) is refused', async () => {
  await assertRefused(
    await jwks.mint({ unpublishedKey: true, claims: { aud: AUDIENCE } }),
    /ERR_JWKS_NO_MATCHING_KEY/,
  );
});

test('alg none is refused', async () => {
  const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({
    sub: randomUUID(),
    iss: jwks.issuer,
    aud: AUDIENCE,
    exp: T0 / 1000 + 600,
  })}.`;
  await assertRefused(unsigned, /ERR_JOSE_ALG_NOT_ALLOWED|ERR_JWS_INVALID/);
});

test('HS256 signed with the public key (algorithm confusion) is refused', async () => {
  const { createHmac } = await import('node:crypto');
  const header = b64url({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' });
  const payload = b64url({
    sub: randomUUID(),
    iss: jwks.issuer,
    aud: AUDIENCE,
    exp: T0 / 1000 + 600,
    session: kratosSessionClaim({ id: 'x', email: 'forged@example.com', role: 'admin' }),
  });
  const mac = createHmac('sha256', await jwks.publicKeyPEM())
    .update(`${header}.${payload}`)
    .digest('base64url');
  await assertRefused(`${header}.${payload}.${mac}`, /ERR_JOSE_ALG_NOT_ALLOWED/);
});

test('a tampered payload and garbage are refused', async () => {
  const token = await jwks.mint({ claims: { aud: AUDIENCE } });
  const [h, , s] = token.split('.');
  const forged = `${h}.${b64url({ sub: 'root', iss: jwks.issuer, aud: AUDIENCE, exp: T0 / 1000 + 600 })}.${s}`;
  await assertRefused(forged, /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  await assertRefused('not-a-jwt', /ERR_JWS_INVALID|ERR_JWT_INVALID/);
});

test('no token: unknown, so requireUser answers 401 (never a redirect) and getUser null', async () => {
  const app = vestibule();
  const request = () => new Request('http://app/account', { headers: { accept: 'text/html' } });
  assert.equal(await app.getUser(request()), null);
  assert.equal((await app.requireUser(request())).response?.status, 401);
});

test('JWKS down or broken: getUser throws KratosUnavailable, requireUser fails closed (503)', async () => {
  const down = await startOathkeeperJWKS({ now });
  const token = await down.mint({ claims: { aud: AUDIENCE } });
  const url = down.url;
  down.failWith = 500;
  const broken = vestibule({ jwksURL: url, cooldownMs: 1 });
  await assert.rejects(broken.getUser(withToken(token)), KratosUnavailable);
  assert.equal((await broken.requireUser(withToken(token))).response?.status, 503);
  await down.close();
  const gone = vestibule({ jwksURL: url, timeoutMs: 2_000 });
  await assert.rejects(gone.getUser(withToken(token)), KratosUnavailable);
  assert.equal((await gone.requireUser(withToken(token))).response?.status, 503);
});

test('the JWKS is fetched once and cached; unknown kids refetch at most once per cooldown', async () => {
  const own = await startOathkeeperJWKS({ now });
  try {
    const app = vestibule({ jwksURL: own.url, cooldownMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      assert.ok(await app.getUser(withToken(await own.mint({ claims: { aud: AUDIENCE } }))));
    }
    assert.equal(own.fetches, 1);
    for (let i = 0; i < 5; i++) {
      const stray = await own.mint({ unpublishedKey: true, claims: { aud: AUDIENCE } });
      assert.equal(await app.getUser(withToken(stray)), null);
    }
    assert.equal(own.fetches, 1, 'within the cooldown, unknown kids do not refetch');
  } finally {
    await own.close();
  }
});

test('unsigned x-user-* headers are ignored unless the peer is a listed proxy (startup warning)', async () => {
  const spoof = { 'x-user-id': 'root', 'x-user-email': 'root@example.com', 'x-user-role': 'admin' };
  const plain = vestibule();
  assert.equal(await plain.getUser(new Request('http://app/', { headers: spoof })), null);
  assert.ok(!plain.logger.lines.some((l) => l.code === 'OATHKEEPER_TRUSTED_PROXIES'));

  const serve = async (trustedProxies: string[]) => {
    const app = vestibule({ trustedProxies });
    const auth = nodeAuth(app);
    const server = createServer((req, res) => {
      void auth.getUser(req).then((user) => res.end(JSON.stringify(user)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const user = await (await fetch(`http://127.0.0.1:${port}/`, { headers: spoof })).json();
    server.close();
    return { user: user as { id: string; role: string } | null, app };
  };
  const trusted = await serve(['10.0.0.0/8', '127.0.0.1/32']);
  assert.equal(trusted.user?.id, 'root');
  assert.equal(trusted.user?.role, 'admin');
  assert.ok(
    trusted.app.logger.lines.some(
      (l) => l.code === 'OATHKEEPER_TRUSTED_PROXIES' && l.level === 'warn',
    ),
  );
  const elsewhere = await serve(['10.0.0.0/8', '::1/128']);
  assert.equal(elsewhere.user, null, 'a peer outside the list is not believed');
  // Without a JWKS (a header mutator only), a listed proxy's headers are the identity, and a bearer
  // token (which cannot be checked) changes nothing.
  const headersOnly = await (async () => {
    const app = createVestibule({
      mode: 'oathkeeper',
      oathkeeper: { trustedProxies: ['127.0.0.1'] },
    });
    const server = createServer((req, res) => {
      void nodeAuth(app)
        .getUser(req)
        .then((user) => res.end(JSON.stringify(user)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      headers: { ...spoof, authorization: 'Bearer not-checked' },
    });
    server.close();
    return (await res.json()) as { id: string } | null;
  })();
  assert.equal(headersOnly?.id, 'root');
  // A Web Request carries no peer address: never trusted.
  assert.equal(await trusted.app.getUser(new Request('http://app/', { headers: spoof })), null);
});

test('options are validated when the factory is built', () => {
  const bad: Array<[Partial<NonNullable<VestibuleOptions['oathkeeper']>>, RegExp]> = [
    [{ jwksURL: 'file:///etc/jwks.json' }, /jwksURL/],
    [{ algorithms: ['HS256' as 'RS256'] }, /algorithms may list only RS256, ES256/],
    [{ trustedProxies: ['10.0.0.0/33'] }, /trustedProxies: "10.0.0.0\/33"/],
    [{ trustedProxies: ['proxy.internal'] }, /trustedProxies/],
    [{ clockToleranceSeconds: -1 }, /clockToleranceSeconds/],
  ];
  for (const [options, message] of bad) assert.throws(() => vestibule(options), message);
  assert.throws(
    () => createVestibule({ mode: 'oathkeeper', oathkeeper: {} }),
    /oathkeeper\.jwksURL \(or, for unsigned headers, oathkeeper\.trustedProxies\) is required/,
  );
  const noAudience = vestibule({ audience: undefined });
  assert.ok(noAudience.logger.lines.some((l) => l.code === 'OATHKEEPER_NO_AUDIENCE'));
});

test('jose stays out of the import path of apps that do not use this mode (type-only or dynamic)', () => {
  const src = new URL('../../src/', import.meta.url).pathname;
  const files = (function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
    });
  })(src);
  const staticJose = files.filter((file) =>
    /^\s*import\s+(?!type\b)[^;]*from\s+['"]jose['"]/m.test(readFileSync(file, 'utf8')),
  );
  assert.deepEqual(staticJose, []);
  assert.ok(
    files.some((file) => readFileSync(file, 'utf8').includes("await import('jose')")),
    'loaded on first use',
  );
});
