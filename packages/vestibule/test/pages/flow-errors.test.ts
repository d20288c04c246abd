// How the pages react to every Kratos answer a browser flow meets: initialisation redirects, the
// forwarded Cookie, each error id, the restart circuit breaker (fake clock), transport failures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FIXTURE_KRATOS,
  getPage,
  json,
  makePages,
  minimalFlow,
  stubKratos,
} from '../support/pages-fixtures.ts';

const FLOW = '11111111-2222-3333-4444-555555555555';
const NEXT = '99999999-8888-7777-6666-555555555555';

function kratosError(status: number, id: string | undefined, extra: Record<string, unknown> = {}) {
  return json(status, {
    error: {
      id,
      code: status,
      status: 'x',
      message: 'm',
      reason: 'internal detail http://ory-kratos:4433',
    },
    ...extra,
  });
}

/** Follows our restart cookie the way a browser would, for loop tests. */
function cookieFrom(response: Response, name: string): string | undefined {
  for (const c of response.headers.getSetCookie()) {
    const [pair] = c.split(';');
    if (pair!.startsWith(name + '=')) return pair;
  }
  return undefined;
}

describe('starting a flow', () => {
  test('no flow id: 303 to the proxy init URL keeping return_to, refresh, aal, login_challenge, dropping the rest', async () => {
    const { fetch, calls } = stubKratos(() => json(500, {}));
    const { pages } = makePages(fetch);
    const res = await getPage(
      pages,
      '/login?return_to=http%3A%2F%2Flocalhost%3A4000%2Fnotes&refresh=true&aal=aal2&login_challenge=abc&evil=1',
    );
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!, 'http://x');
    assert.equal(location.pathname, '/api/ory/self-service/login/browser');
    assert.deepEqual(Object.fromEntries(location.searchParams), {
      return_to: 'http://localhost:4000/notes',
      refresh: 'true',
      aal: 'aal2',
      login_challenge: 'abc',
    });
    assert.equal(calls.length, 0, 'no Kratos call needed to start');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  for (const flow of ['registration', 'recovery', 'verification', 'settings']) {
    test(`${flow}: starts at /api/ory/self-service/${flow}/browser with return_to`, async () => {
      const { pages } = makePages(stubKratos(() => json(500, {})).fetch);
      const res = await getPage(pages, `/${flow}?return_to=%2Fx&aal=aal2`);
      assert.equal(
        res.headers.get('location'),
        `/api/ory/self-service/${flow}/browser?return_to=%2Fx`,
      );
    });
  }

  test('basePath and proxyPrefix are honoured', async () => {
    const { pages } = makePages(stubKratos(() => json(500, {})).fetch, {
      basePath: '/auth',
      proxyPrefix: '/.ory',
    });
    assert.equal(await pages(new Request('http://localhost:4000/login')), null);
    const res = await getPage(pages, '/auth/login');
    assert.equal(res.headers.get('location'), '/.ory/self-service/login/browser');
  });

  test("the flow is fetched with the browser's whole Cookie header", async () => {
    const { fetch, calls } = stubKratos(() => json(200, minimalFlow()));
    const { pages } = makePages(fetch);
    const cookie = 'csrf_token_abc=one; ory_kratos_session=two; other=three';
    const res = await getPage(pages, `/login?flow=${FLOW}`, { cookie });
    assert.equal(res.status, 200);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.url.href, `${FIXTURE_KRATOS}/self-service/login/flows?id=${FLOW}`);
    assert.equal(calls[0]!.headers.get('cookie'), cookie);
  });
});

describe('Kratos error ids', () => {
  const restartCases: Array<[string, number, string | undefined]> = [
    ['unknown flow (404)', 404, undefined],
    ['gone flow without a replacement (410)', 410, 'self_service_flow_expired'],
    ['CSRF violation (403)', 403, 'security_csrf_violation'],
  ];
  for (const [name, status, id] of restartCases) {
    test(`${name}: restarts the flow keeping return_to, counted by the breaker`, async () => {
      const { pages } = makePages(stubKratos(() => kratosError(status, id)).fetch);
      const res = await getPage(pages, `/login?flow=${FLOW}&return_to=%2Fnotes&refresh=true`);
      assert.equal(res.status, 303);
      assert.equal(
        res.headers.get('location'),
        '/api/ory/self-service/login/browser?return_to=%2Fnotes&refresh=true',
      );
      assert.match(cookieFrom(res, 'vestibule_restarts')!, /^vestibule_restarts=1\.\d+\./);
    });
  }

  test('self_service_flow_expired with use_flow_id: straight to the replacement flow', async () => {
    const { pages } = makePages(
      stubKratos(() => kratosError(410, 'self_service_flow_expired', { use_flow_id: NEXT })).fetch,
    );
    const res = await getPage(pages, `/registration?flow=${FLOW}`);
    assert.equal(res.headers.get('location'), `/registration?flow=${NEXT}`);
  });

  test('session_already_available: to a same-origin return_to, else to defaultReturnTo', async () => {
    const { pages } = makePages(
      stubKratos(() => kratosError(400, 'session_already_available')).fetch,
      { defaultReturnTo: '/home' },
    );
    const ok = await getPage(
      pages,
      `/login?flow=${FLOW}&return_to=http%3A%2F%2Flocalhost%3A4000%2Fnotes%3Fa%3D1`,
    );
    assert.equal(ok.headers.get('location'), '/notes?a=1');
    for (const evil of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const res = await getPage(pages, `/login?flow=${FLOW}&return_to=${encodeURIComponent(evil)}`);
      assert.equal(res.headers.get('location'), '/home', evil);
    }
  });

  test('self_service_flow_return_to_forbidden: restarts without return_to and says why on the next page', async () => {
    let answer = kratosError(400, 'self_service_flow_return_to_forbidden');
    const { pages } = makePages(stubKratos(() => answer).fetch);
    const res = await getPage(
      pages,
      `/login?flow=${FLOW}&return_to=https%3A%2F%2Fevil.example&refresh=true`,
    );
    assert.equal(res.headers.get('location'), '/api/ory/self-service/login/browser?refresh=true');
    const notice = cookieFrom(res, 'vestibule_notice');
    assert.equal(notice, 'vestibule_notice=return_to_forbidden');
    answer = json(200, minimalFlow());
    const page = await getPage(pages, `/login?flow=${FLOW}`, { cookie: notice! });
    assert.match(await page.text(), /not an allowed return address/);
    assert.equal(cookieFrom(page, 'vestibule_notice'), 'vestibule_notice=', 'notice shown once');
  });

  test('browser_location_change_required: follows redirect_browser_to, made same-origin', async () => {
    const target = `${FIXTURE_KRATOS}/self-service/verification?flow=${NEXT}`;
    const { pages } = makePages(
      stubKratos(() =>
        kratosError(422, 'browser_location_change_required', { redirect_browser_to: target }),
      ).fetch,
    );
    const res = await getPage(pages, `/login?flow=${FLOW}`);
    assert.equal(
      res.headers.get('location'),
      `http://localhost:4000/api/ory/self-service/verification?flow=${NEXT}`,
    );
  });

  for (const [id, param] of [
    ['session_refresh_required', 'refresh=true'],
    ['session_aal2_required', 'aal=aal2'],
  ] as const) {
    test(`${id}: to Kratos's redirect_browser_to, else to /login?${param} returning to settings`, async () => {
      const kratosTarget = `${FIXTURE_KRATOS}/self-service/login/browser?${param}&return_to=x`;
      const withTarget = makePages(
        stubKratos(() => kratosError(403, id, { redirect_browser_to: kratosTarget })).fetch,
      ).pages;
      const a = await getPage(withTarget, `/settings?flow=${FLOW}`);
      assert.equal(
        a.headers.get('location'),
        `http://localhost:4000/api/ory/self-service/login/browser?${param}&return_to=x`,
      );
      const without = makePages(stubKratos(() => kratosError(403, id)).fetch).pages;
      const b = await getPage(without, `/settings?flow=${FLOW}`);
      assert.equal(
        b.headers.get('location'),
        `/login?${param}&return_to=http%3A%2F%2Flocalhost%3A4000%2Fsettings`,
      );
    });
  }

  test('settings without a session (401): to login, returning to settings', async () => {
    const { pages } = makePages(stubKratos(() => kratosError(401, 'session_inactive')).fetch);
    const res = await getPage(pages, `/settings?flow=${FLOW}`);
    assert.equal(
      res.headers.get('location'),
      '/login?return_to=http%3A%2F%2Flocalhost%3A4000%2Fsettings',
    );
  });

  test('self_service_flow_disabled: an error page, not a loop', async () => {
    const { pages } = makePages(
      stubKratos(() => kratosError(400, 'self_service_flow_disabled')).fetch,
    );
    const res = await getPage(pages, `/registration?flow=${FLOW}`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /not enabled/);
  });

  test('a malformed flow id restarts instead of reaching Kratos', async () => {
    const { fetch, calls } = stubKratos(() => json(200, minimalFlow()));
    const { pages } = makePages(fetch);
    const res = await getPage(pages, '/login?flow=..%2F..%2Fadmin');
    assert.equal(res.status, 303);
    assert.equal(calls.length, 0);
  });
});

describe('restart circuit breaker', () => {
  test('a CSRF loop stops after the limit with an error page and a request id; the window resets it', async () => {
    let now = 1_000_000;
    const { pages, logger } = makePages(
      stubKratos(() => kratosError(403, 'security_csrf_violation')).fetch,
      {
        restartLimit: 3,
        restartWindowMs: 60_000,
        now: () => now,
      },
    );
    let cookie = '';
    for (let i = 1; i <= 3; i++) {
      const res = await getPage(pages, `/login?flow=${FLOW}`, { cookie });
      assert.equal(res.status, 303, `restart ${i}`);
      cookie = cookieFrom(res, 'vestibule_restarts')!;
      assert.match(cookie, new RegExp(`^vestibule_restarts=${i}\\.`));
    }
    const stopped = await getPage(pages, `/login?flow=${FLOW}`, { cookie });
    assert.equal(stopped.status, 409);
    const body = await stopped.text();
    assert.match(body, /cookies are enabled/);
    assert.ok(body.includes(stopped.headers.get('x-request-id')!));
    assert.ok(!body.includes('ory-kratos'), 'no upstream detail on the page');
    assert.equal(cookieFrom(stopped, 'vestibule_restarts'), 'vestibule_restarts=');
    assert.ok(logger.lines.some((l) => l.msg === 'flow restart loop stopped'));
    // Past the window the old counter no longer counts.
    now += 60_000;
    const later = await getPage(pages, `/login?flow=${FLOW}`, { cookie });
    assert.equal(later.status, 303);
    assert.match(cookieFrom(later, 'vestibule_restarts')!, /^vestibule_restarts=1\./);
    // A counter from the future (another clock, a restarted process) is stale too, not valid forever.
    now -= 3_600_000;
    const past = await getPage(pages, `/login?flow=${FLOW}`, {
      cookie: cookieFrom(later, 'vestibule_restarts')!,
    });
    assert.match(cookieFrom(past, 'vestibule_restarts')!, /^vestibule_restarts=1\./);
  });

  test('a forged counter is ignored (counts from one) and a rendered flow clears the counter', async () => {
    let fail = true;
    const { pages } = makePages(
      stubKratos(() => (fail ? kratosError(404, undefined) : json(200, minimalFlow()))).fetch,
    );
    const forged = await getPage(pages, `/login?flow=${FLOW}`, {
      cookie: 'vestibule_restarts=0.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    assert.match(cookieFrom(forged, 'vestibule_restarts')!, /^vestibule_restarts=1\./);
    fail = false;
    const ok = await getPage(pages, `/login?flow=${FLOW}`, {
      cookie: cookieFrom(forged, 'vestibule_restarts')!,
    });
    assert.equal(ok.status, 200);
    assert.equal(cookieFrom(ok, 'vestibule_restarts'), 'vestibule_restarts=');
  });

  test('the counter cookie is Secure when the public origin is https', async () => {
    const { pages } = makePages(stubKratos(() => kratosError(404, undefined)).fetch, {
      publicOrigin: 'https://app.example',
    });
    const res = await getPage(pages, `/login?flow=${FLOW}`);
    assert.match(res.headers.getSetCookie()[0]!, /; HttpOnly; SameSite=Lax; Secure$/);
  });
});

describe('Kratos failures', () => {
  test('Kratos 500: a 502 page with the request id, details only in the log', async () => {
    const { pages, logger } = makePages(stubKratos(() => kratosError(500, undefined)).fetch);
    const res = await getPage(pages, `/login?flow=${FLOW}`);
    assert.equal(res.status, 502);
    const body = await res.text();
    assert.ok(body.includes(res.headers.get('x-request-id')!));
    assert.ok(!body.includes('internal detail'));
    assert.ok(logger.lines.length > 0);
  });

  test('Kratos unreachable: 502; too slow: 504; no hostnames on the page', async () => {
    const down = makePages(async () => {
      throw new TypeError('fetch failed: getaddrinfo ENOTFOUND ory-kratos');
    }).pages;
    const a = await getPage(down, `/login?flow=${FLOW}`);
    assert.equal(a.status, 502);
    assert.ok(!(await a.text()).includes('ory-kratos'));
    const slow = makePages(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error));
        }),
      { timeoutMs: 20 },
    ).pages;
    // AbortSignal.timeout() is unref'd: with nothing else pending the event loop would empty and
    // node:test would cancel the test ("Promise resolution is still pending"); keep it alive.
    const keepAlive = setInterval(() => {}, 1_000);
    const b = await getPage(slow, `/login?flow=${FLOW}`).finally(() => clearInterval(keepAlive));
    assert.equal(b.status, 504);
  });

  test('Kratos answering a non-flow body: 502, not a crash', async () => {
    const { pages } = makePages(
      stubKratos(() => new Response('<html>proxy error</html>', { status: 200 })).fetch,
    );
    assert.equal((await getPage(pages, `/login?flow=${FLOW}`)).status, 502);
    const { pages: p2 } = makePages(stubKratos(() => json(200, { id: FLOW })).fetch);
    assert.equal((await getPage(p2, `/login?flow=${FLOW}`)).status, 502);
  });
});
