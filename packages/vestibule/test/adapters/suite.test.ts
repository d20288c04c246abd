// ONE suite, run through every adapter (node, express, fastify, hono, next) in both modes
// (header: signed identity headers from the edge; direct: Kratos whoami with the cookie).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createVestibule, type Vestibule } from '../../src/app/vestibule.ts';
import { encodeIdentity, signIdentityHeaders } from '../../src/identity-headers/sign.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { APPS, type AppClient } from '../support/framework-apps.ts';

const SECRET = 'adapter-suite-secret-0123456789abcdef';
const BROWSER = { accept: 'text/html,application/xhtml+xml' };
const API = { accept: 'application/json' };

interface Person {
  id: string;
  email: string;
  role: string;
  token: string;
}

interface Mode {
  name: 'header' | 'direct';
  make(kratos: FakeKratos): Vestibule;
  /** Headers that identify `person` (or an anonymous visitor) for `path`, as the edge or browser would send. */
  as(person: Person | null, path: string): Record<string, string>;
}

const MODES: Mode[] = [
  {
    name: 'header',
    make: () =>
      createVestibule({ mode: 'header', headerSecret: SECRET, logger: createMemoryLogger() }),
    as(person, path) {
      const values = person
        ? encodeIdentity({ id: person.id, email: person.email, role: person.role })
        : null;
      return Object.fromEntries(signIdentityHeaders(SECRET, { method: 'GET', path }, values));
    },
  },
  {
    name: 'direct',
    make: (kratos) =>
      createVestibule({ mode: 'direct', kratosPublicURL: kratos.url, timeoutMs: 3_000 }),
    as: (person): Record<string, string> =>
      person ? { cookie: `ory_kratos_session=${person.token}` } : {},
  },
];

let kratos: FakeKratos;
let alice: Person;
let admin: Person;
before(async () => {
  kratos = await startFakeKratos();
  const person = (role?: string): Person => {
    const { token, session } = kratos.addSession({ role });
    return {
      id: session.identity.id,
      email: String(session.identity.traits.email),
      role: role ?? 'user',
      token,
    };
  };
  alice = person();
  admin = person('admin');
});
after(() => kratos.close());

for (const [adapter, start] of Object.entries(APPS)) {
  for (const mode of MODES) {
    describe(`${adapter} adapter, ${mode.name} mode`, () => {
      let app: AppClient;
      let vestibule: Vestibule;
      before(async () => {
        vestibule = mode.make(kratos);
        app = await start(vestibule);
      });
      after(() => app.close());
      const call = (path: string, person: Person | null, extra: Record<string, string> = {}) =>
        app.request(path, { ...mode.as(person, path), ...extra });

      test('getUser: anonymous → null, signed-in → { id, email, role }', async () => {
        assert.deepEqual(await (await call('/me', null)).json(), { user: null });
        assert.deepEqual(await (await call('/me', alice)).json(), {
          user: { id: alice.id, email: alice.email, role: 'user' },
        });
      });

      test('requireUser: API → 401 JSON; browser → 303 to /login with return_to and a loop counter', async () => {
        const api = await call('/account', null, API);
        assert.equal(api.status, 401);
        assert.equal(
          ((await api.json()) as { error: { code: string } }).error.code,
          'SESSION_REQUIRED',
        );
        const page = await call('/account', null, BROWSER);
        assert.equal(page.status, 303);
        const location = new URL(page.headers.get('location')!, 'http://x');
        assert.equal(location.pathname, '/login');
        assert.equal(new URL(location.searchParams.get('return_to')!).pathname, '/account');
        assert.match(page.headers.get('set-cookie') ?? '', /^vestibule_login_redirects=1;/);
      });

      test('requireUser: loop-safe — after 3 rounds the browser gets a page, not another redirect', async () => {
        const page = await call('/account', null, {
          ...BROWSER,
          cookie: 'vestibule_login_redirects=3',
        });
        assert.equal(page.status, 401);
        assert.match(await page.text(), /could not confirm your sign-in/);
      });

      test('requireUser / requireRole: signed-in passes; role mismatch → 403; admin passes', async () => {
        assert.equal(
          ((await (await call('/account', alice)).json()) as { id: string }).id,
          alice.id,
        );
        const forbidden = await call('/admin', alice, API);
        assert.equal(forbidden.status, 403);
        assert.equal(
          ((await forbidden.json()) as { error: { code: string } }).error.code,
          'FORBIDDEN',
        );
        assert.equal((await call('/admin', alice, BROWSER)).status, 403);
        assert.equal(
          ((await (await call('/admin', admin)).json()) as { role: string }).role,
          'admin',
        );
      });

      if (mode.name === 'header') {
        test('header mode: unsigned or forged identity headers are never trusted, and never redirect', async () => {
          const unsigned = { 'x-user-id': admin.id, 'x-user-role': 'admin', ...BROWSER };
          assert.deepEqual(await (await app.request('/me', unsigned)).json(), { user: null });
          assert.equal(
            (await app.request('/admin', unsigned)).status,
            401,
            'no edge assertion → 401, no loop',
          );
          const forged = { ...mode.as(alice, '/admin'), 'x-user-role': 'admin' };
          assert.equal((await app.request('/admin', forged)).status, 401);
          const wrongPath = mode.as(admin, '/me');
          assert.equal(
            (await app.request('/admin', wrongPath)).status,
            401,
            'signature bound to another path',
          );
        });

        test('header mode: a replayed signature is rejected', async () => {
          const headers = mode.as(alice, '/me');
          assert.equal(
            ((await (await app.request('/me', headers)).json()) as { user: unknown }).user !== null,
            true,
          );
          assert.deepEqual(await (await app.request('/me', headers)).json(), { user: null });
        });
      } else {
        test('direct mode: Kratos unavailable → getUser throws (503), requireUser 503, never anonymous', async () => {
          const fresh = kratos.addSession();
          const headers = { cookie: `ory_kratos_session=${fresh.token}` };
          await kratos.stop();
          try {
            assert.equal((await app.request('/me', headers)).status, 503);
            const guarded = await app.request('/account', { ...headers, ...API });
            assert.equal(guarded.status, 503);
            assert.equal(
              ((await guarded.json()) as { error: { code: string } }).error.code,
              'IDENTITY_UNAVAILABLE',
            );
          } finally {
            await kratos.start();
          }
          assert.equal(
            (await app.request('/account', headers)).status,
            200,
            'recovers without restart',
          );
        });

        test('direct mode: session_aal2_required → getUser null; requireUser sends browsers to /login?aal=aal2, APIs get 403', async () => {
          const half = kratos.addSession({ needsSecondFactor: true });
          const headers = { cookie: `ory_kratos_session=${half.token}` };
          assert.deepEqual(await (await app.request('/me', headers)).json(), { user: null });
          const page = await app.request('/account', { ...headers, ...BROWSER });
          assert.equal(page.status, 303);
          const location = new URL(page.headers.get('location')!, 'http://x');
          assert.equal(location.pathname, '/login');
          assert.equal(location.searchParams.get('aal'), 'aal2');
          assert.equal(new URL(location.searchParams.get('return_to')!).pathname, '/account');
          const api = await app.request('/account', { ...headers, ...API });
          assert.equal(api.status, 403);
          assert.equal(
            ((await api.json()) as { error: { code: string } }).error.code,
            'SESSION_AAL2_REQUIRED',
          );
          kratos.completeSecondFactor(half.token);
          assert.equal((await app.request('/account', headers)).status, 200, 'not cached');
        });

        test('direct mode: a stale cookie is anonymous; a logged-out session is refused after evict', async () => {
          assert.deepEqual(
            await (await app.request('/me', { cookie: 'ory_kratos_session=stale' })).json(),
            { user: null },
          );
          const bob = kratos.addSession();
          const headers = { cookie: `ory_kratos_session=${bob.token}`, ...API };
          assert.equal((await app.request('/account', headers)).status, 200);
          kratos.revoke(bob.token);
          vestibule.evict({ method: 'GET', url: '/logout', headers: new Headers(headers) });
          assert.equal((await app.request('/account', headers)).status, 401);
        });
      }

      if (adapter === 'next') {
        test('next middleware shape: continues for allowed requests, answers for denied ones', async () => {
          assert.deepEqual(await (await call('/mw/account', alice)).json(), { passed: true });
          assert.equal((await call('/mw/account', null, API)).status, 401);
          assert.equal((await call('/mw/admin/x', alice, API)).status, 403);
          assert.deepEqual(await (await call('/mw/admin/x', admin)).json(), { passed: true });
        });
      }
    });
  }
}
