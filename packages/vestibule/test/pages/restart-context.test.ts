// A restart (CSRF violation, expired or unknown flow) keeps what the flow was started with, although
// Kratos sends browsers to `/login?flow=<id>` only; and the error ids a flow can fail with before a
// form is ever shown lead somewhere useful. The page URLs below are the ones Kratos really produces.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getPage, json, makePages, minimalFlow, stubKratos } from '../support/pages-fixtures.ts';

const FLOW = '11111111-2222-3333-4444-555555555555';
const OTHER = '99999999-8888-7777-6666-555555555555';
const STARTED = {
  return_to: 'http://localhost:4000/notes?tab=1',
  refresh: 'true',
  aal: 'aal2',
  login_challenge: 'challenge-1',
};
const STARTED_QUERY = new URLSearchParams(STARTED).toString();

function kratosError(status: number, id: string | undefined, details?: Record<string, unknown>) {
  return json(status, { error: { id, code: status, message: 'm', details } });
}

/** The cookies a browser would send back: every `name=value` set by a response (cleared ones dropped). */
function jar(...responses: Response[]): string {
  const pairs = new Map<string, string>();
  for (const response of responses)
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (pair.slice(eq + 1) === '') pairs.delete(pair.slice(0, eq));
      else pairs.set(pair.slice(0, eq), pair);
    }
  return [...pairs.values()].join('; ');
}

function initParams(response: Response): Record<string, string> {
  const location = new URL(response.headers.get('location')!, 'http://localhost:4000');
  assert.equal(location.pathname, '/api/ory/self-service/login/browser');
  return Object.fromEntries(location.searchParams);
}

describe('restarts keep what the flow was started with', () => {
  for (const [name, status, id] of [
    ['CSRF violation', 403, 'security_csrf_violation'],
    ['unknown flow', 404, undefined],
    ['expired flow', 410, 'self_service_flow_expired'],
    ['flow of another account', 403, 'security_identity_mismatch'],
  ] as const) {
    test(`${name}: a flow the pages started restarts with return_to, refresh, aal, login_challenge`, async () => {
      const { pages } = makePages(stubKratos(() => kratosError(status, id)).fetch);
      const start = await getPage(pages, `/login?${STARTED_QUERY}&evil=1`);
      assert.deepEqual(initParams(start), STARTED);
      // Kratos → 303 /login?flow=<id>: nothing but the id in the page URL.
      const restart = await getPage(pages, `/login?flow=${FLOW}`, { cookie: jar(start) });
      assert.equal(restart.status, 303);
      assert.deepEqual(initParams(restart), STARTED);
      assert.match(jar(restart), /vestibule_restarts=1\./, 'still counted by the breaker');
    });
  }

  test('a rendered flow remembers its request_url parameters, bound to its id', async () => {
    // Started without the pages (an app linked to /api/ory/self-service/login/browser?… directly).
    let answer = json(
      200,
      minimalFlow({
        request_url: `https://kratos.internal/self-service/login/browser?${STARTED_QUERY}`,
      }),
    );
    const { pages } = makePages(stubKratos(() => answer).fetch);
    const shown = await getPage(pages, `/login?flow=${FLOW}`);
    assert.equal(shown.status, 200);
    answer = kratosError(410, 'self_service_flow_expired');
    const restart = await getPage(pages, `/login?flow=${FLOW}`, { cookie: jar(shown) });
    assert.deepEqual(initParams(restart), STARTED);
    // The memory belongs to that flow: another flow id that fails restarts plainly.
    const other = await getPage(pages, `/login?flow=${OTHER}`, { cookie: jar(shown) });
    assert.deepEqual(initParams(other), {});
  });

  test('a flow rendered without parameters forgets an earlier start', async () => {
    let answer = json(200, minimalFlow({ request_url: 'https://k/self-service/login/browser' }));
    const { pages } = makePages(stubKratos(() => answer).fetch);
    const start = await getPage(pages, `/login?${STARTED_QUERY}`);
    const shown = await getPage(pages, `/login?flow=${FLOW}`, { cookie: jar(start) });
    assert.match(shown.headers.getSetCookie().join('\n'), /vestibule_flow_login=; .*Max-Age=0/);
    answer = kratosError(404, undefined);
    const restart = await getPage(pages, `/login?flow=${FLOW}`, { cookie: jar(start, shown) });
    assert.deepEqual(initParams(restart), {});
  });

  test('without memory, an expired flow keeps the return_to Kratos reports for it', async () => {
    const { pages } = makePages(
      stubKratos(() =>
        kratosError(410, 'self_service_flow_expired', { return_to: 'http://localhost:4000/x' }),
      ).fetch,
    );
    const restart = await getPage(pages, `/login?flow=${FLOW}`);
    assert.deepEqual(initParams(restart), { return_to: 'http://localhost:4000/x' });
  });

  test('parameters in the page URL win over remembered ones', async () => {
    const { pages } = makePages(stubKratos(() => kratosError(404, undefined)).fetch);
    const start = await getPage(pages, `/login?${STARTED_QUERY}`);
    const restart = await getPage(pages, `/login?flow=${FLOW}&return_to=%2Fother`, {
      cookie: jar(start),
    });
    assert.deepEqual(initParams(restart), { return_to: '/other' });
  });

  test('return_to forbidden: the remembered return_to is dropped too, the rest kept', async () => {
    const { pages } = makePages(
      stubKratos(() => kratosError(400, 'self_service_flow_return_to_forbidden')).fetch,
    );
    const start = await getPage(pages, `/login?${STARTED_QUERY}`);
    const restart = await getPage(pages, `/login?flow=${FLOW}`, { cookie: jar(start) });
    const { return_to: _dropped, ...rest } = STARTED;
    assert.deepEqual(initParams(restart), rest);
    // The next restart must not bring it back from memory either.
    const again = await getPage(pages, `/login?flow=${OTHER}`, { cookie: jar(start, restart) });
    assert.deepEqual(initParams(again), rest);
  });

  test('the circuit breaker still stops a loop that keeps the parameters', async () => {
    const { pages } = makePages(
      stubKratos(() => kratosError(403, 'security_csrf_violation')).fetch,
      {
        restartLimit: 3,
      },
    );
    const responses = [await getPage(pages, `/login?${STARTED_QUERY}`)];
    for (let i = 1; i <= 3; i++) {
      const res = await getPage(pages, `/login?flow=${FLOW}`, { cookie: jar(...responses) });
      assert.equal(res.status, 303, `restart ${i}`);
      assert.deepEqual(initParams(res), STARTED, `restart ${i} keeps the parameters`);
      responses.push(res);
    }
    const stopped = await getPage(pages, `/login?flow=${FLOW}`, { cookie: jar(...responses) });
    assert.equal(stopped.status, 409);
  });

  test('memory is per flow type, signed, and expires (fake clock)', async () => {
    let now = 5_000_000;
    const { pages } = makePages(stubKratos(() => kratosError(404, undefined)).fetch, {
      now: () => now,
    });
    const start = await getPage(pages, `/login?${STARTED_QUERY}`);
    const value = jar(start).match(/vestibule_flow_login=([^;]+)/)![1]!;
    // Under another flow's name: refused (the signed payload names the flow type).
    const swapped = await getPage(pages, `/registration?flow=${FLOW}`, {
      cookie: `vestibule_flow_registration=${value}`,
    });
    assert.equal(swapped.headers.get('location'), '/api/ory/self-service/registration/browser');
    // Tampered payload: refused.
    const [payload, mac] = value.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ t: 'login', f: '', q: 'return_to=https%3A%2F%2Fevil.example', at: now }),
    ).toString('base64url');
    for (const cookie of [
      `vestibule_flow_login=${forged}.${mac}`,
      `vestibule_flow_login=${payload}x.${mac}`,
    ]) {
      const res = await getPage(pages, `/login?flow=${FLOW}`, { cookie });
      assert.deepEqual(initParams(res), {}, cookie);
    }
    // Another process's secret: refused.
    const elsewhere = makePages(stubKratos(() => kratosError(404, undefined)).fetch).pages;
    assert.deepEqual(
      initParams(await getPage(elsewhere, `/login?flow=${FLOW}`, { cookie: jar(start) })),
      {},
    );
    // An unbound start is only good for ten minutes.
    now += 10 * 60_000;
    const late = await getPage(pages, `/login?flow=${FLOW}`, { cookie: jar(start) });
    assert.deepEqual(initParams(late), {});
  });

  test('the memory cookie is HttpOnly, SameSite=Lax, and Secure on an https origin', async () => {
    const { pages } = makePages(stubKratos(() => json(500, {})).fetch, {
      publicOrigin: 'https://app.example',
    });
    const start = await getPage(pages, '/login?return_to=%2Fnotes');
    const line = start.headers.getSetCookie().find((c) => c.startsWith('vestibule_flow_login='));
    assert.match(line!, /; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
  });
});

describe('error ids a flow can fail with before a form is shown', () => {
  test('flow fetch: session_aal1_required → plain login, same return_to (no aal loop)', async () => {
    const { pages } = makePages(stubKratos(() => kratosError(400, 'session_aal1_required')).fetch);
    const res = await getPage(pages, `/login?flow=${FLOW}&aal=aal2&return_to=%2Fnotes`);
    assert.equal(res.headers.get('location'), '/login?return_to=%2Fnotes');
  });

  test('flow fetch: session_aal_already_fulfilled → where the user was going', async () => {
    const { pages } = makePages(
      stubKratos(() => kratosError(400, 'session_aal_already_fulfilled')).fetch,
    );
    const res = await getPage(pages, `/login?flow=${FLOW}&return_to=%2Fnotes`);
    assert.equal(res.headers.get('location'), '/notes');
  });

  test('flow fetch: self_service_flow_replaced → the replacement flow', async () => {
    const { pages } = makePages(
      stubKratos(() =>
        json(410, { error: { id: 'self_service_flow_replaced' }, use_flow_id: OTHER }),
      ).fetch,
    );
    const res = await getPage(pages, `/settings?flow=${FLOW}`);
    assert.equal(res.headers.get('location'), `/settings?flow=${OTHER}`);
  });

  function storedError(id: string, code = 400) {
    return stubKratos((url) =>
      url.pathname === '/self-service/errors'
        ? json(200, { id: 'e', error: { id, code, message: 'm', reason: 'r' } })
        : json(500, {}),
    ).fetch;
  }

  test('/error session_aal1_required (aal2 asked for, not signed in) → sign in first, keeping return_to', async () => {
    const { pages } = makePages(storedError('session_aal1_required'));
    const start = await getPage(pages, '/login?aal=aal2&return_to=%2Fnotes');
    const res = await getPage(pages, '/error?id=e', { cookie: jar(start) });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?return_to=%2Fnotes');
    const bare = await getPage(pages, '/error?id=e');
    assert.equal(bare.headers.get('location'), '/login');
  });

  for (const [id, location] of [
    ['session_inactive', '/login'],
    ['session_refresh_required', '/login?refresh=true'],
    ['session_aal2_required', '/login?aal=aal2'],
    ['session_aal_already_fulfilled', '/home'],
  ] as const) {
    test(`/error ${id} → ${location}`, async () => {
      const { pages } = makePages(storedError(id), { defaultReturnTo: '/home' });
      const res = await getPage(pages, '/error?id=e');
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), location);
    });
  }

  test('/error session_verified_address_required: says so, with a link to verification first', async () => {
    const { pages } = makePages(storedError('session_verified_address_required'));
    const res = await getPage(pages, '/error?id=e');
    assert.equal(res.status, 403);
    const body = await res.text();
    assert.match(body, /verify your email address before you sign in/);
    const links = [...body.matchAll(/<a [^>]*href="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(links[0], '/verification');
  });

  test('/error self_service_flow_return_to_forbidden (browser init): starts again without return_to, says why, never loops', async () => {
    const { pages } = makePages(storedError('self_service_flow_return_to_forbidden'), {
      restartLimit: 2,
    });
    const start = await getPage(
      pages,
      '/registration?return_to=https%3A%2F%2Fevil.example&login_challenge=c1',
    );
    const res = await getPage(pages, '/error?id=e', { cookie: jar(start) });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/registration?login_challenge=c1');
    assert.match(jar(res), /vestibule_notice=return_to_forbidden/);
    // Following it starts the flow without the refused address, and remembers that.
    const again = await getPage(pages, res.headers.get('location')!, { cookie: jar(start, res) });
    assert.equal(
      again.headers.get('location'),
      '/api/ory/self-service/registration/browser?login_challenge=c1',
    );
    // Without any memory: the login page. Past the restart limit: the message, not a redirect.
    const bare = await getPage(pages, '/error?id=e');
    assert.equal(bare.headers.get('location'), '/login');
    let cookie = jar(bare);
    const second = await getPage(pages, '/error?id=e', { cookie });
    assert.equal(second.status, 303);
    cookie = jar(bare, second);
    const stopped = await getPage(pages, '/error?id=e', { cookie });
    assert.equal(stopped.status, 400);
    assert.match(await stopped.text(), /return address is not allowed/);
  });

  test('/error security_identity_mismatch: explains why instead of a generic message', async () => {
    const { pages } = makePages(storedError('security_identity_mismatch'));
    const res = await getPage(pages, '/error?id=e');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /started for a different account/);
  });
});
