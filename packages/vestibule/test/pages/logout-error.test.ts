// /logout and /error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIXTURE_KRATOS, getPage, json, makePages, stubKratos } from '../support/pages-fixtures.ts';

/** What a browser sends when the user follows a link on this site. */
const OWN_NAVIGATION = {
  'sec-fetch-site': 'same-origin',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
};

describe('/logout', () => {
  test('asks Kratos with the Cookie and sends the browser to the logout URL through the proxy', async () => {
    const { fetch, calls } = stubKratos(() =>
      json(200, {
        logout_url: `${FIXTURE_KRATOS}/self-service/logout?token=t0k`,
        logout_token: 't0k',
      }),
    );
    const { pages } = makePages(fetch);
    const res = await getPage(pages, '/logout?return_to=%2Fbye', {
      cookie: 'ory_kratos_session=s',
      ...OWN_NAVIGATION,
    });
    assert.equal(res.status, 303);
    assert.equal(
      res.headers.get('location'),
      'http://localhost:4000/api/ory/self-service/logout?token=t0k',
    );
    assert.equal(calls[0]!.url.pathname, '/self-service/logout/browser');
    assert.equal(calls[0]!.url.searchParams.get('return_to'), '/bye');
    assert.equal(calls[0]!.headers.get('cookie'), 'ory_kratos_session=s');
  });

  test('no session (401): to /login', async () => {
    const { pages } = makePages(
      stubKratos(() => json(401, { error: { id: 'session_inactive', code: 401 } })).fetch,
    );
    const res = await getPage(pages, '/logout');
    assert.equal(res.headers.get('location'), '/login');
  });

  test('a forbidden return_to is dropped rather than failing the logout', async () => {
    const { fetch, calls } = stubKratos((url) =>
      url.searchParams.has('return_to')
        ? json(400, { error: { id: 'self_service_flow_return_to_forbidden', code: 400 } })
        : json(200, { logout_url: `${FIXTURE_KRATOS}/self-service/logout?token=t` }),
    );
    const res = await getPage(
      makePages(fetch).pages,
      '/logout?return_to=https%3A%2F%2Fevil.example',
      OWN_NAVIGATION,
    );
    assert.equal(res.status, 303);
    assert.equal(calls.length, 2);
  });
});

describe('/error', () => {
  test('shows a user message and the request id; details go to the log only', async () => {
    const { fetch, calls } = stubKratos(() =>
      json(200, {
        id: 'e1',
        error: {
          id: 'security_csrf_violation',
          code: 403,
          message: 'the request was rejected',
          reason: 'secret internals',
          details: { x: 'http://ory-kratos:4433' },
        },
      }),
    );
    const { pages, logger } = makePages(fetch);
    const res = await getPage(pages, '/error?id=e1');
    assert.equal(res.status, 403);
    assert.equal(calls[0]!.url.pathname, '/self-service/errors');
    assert.equal(calls[0]!.url.searchParams.get('id'), 'e1');
    const body = await res.text();
    assert.match(body, /start again/);
    assert.ok(body.includes(res.headers.get('x-request-id')!));
    assert.ok(!body.includes('secret internals') && !body.includes('ory-kratos'));
    assert.ok(JSON.stringify(logger.lines).includes('secret internals'));
  });

  test("an unknown 4xx shows Kratos's reason (written for users); a 5xx never shows Kratos text", async () => {
    const reason = 'Registration is not allowed because it was disabled.';
    const four = makePages(
      stubKratos(() => json(200, { error: { code: 400, message: 'bad', reason } })).fetch,
    ).pages;
    assert.ok((await (await getPage(four, '/error?id=a')).text()).includes(reason));
    const five = makePages(
      stubKratos(() =>
        json(200, { error: { code: 500, message: 'db down at 10.0.0.3', reason: 'boom' } }),
      ).fetch,
    ).pages;
    const res = await getPage(five, '/error?id=a');
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.ok(!body.includes('boom') && !body.includes('10.0.0.3'));
  });

  test('unknown error id (404) and missing id', async () => {
    const { pages } = makePages(stubKratos(() => json(404, { error: { code: 404 } })).fetch);
    assert.equal((await getPage(pages, '/error?id=gone')).status, 404);
    assert.equal((await getPage(pages, '/error')).status, 400);
    assert.equal((await getPage(pages, '/error?id=%3Cscript%3E')).status, 400);
  });

  test('session_already_available: nothing to show, go home', async () => {
    const { pages } = makePages(
      stubKratos(() => json(200, { error: { id: 'session_already_available', code: 400 } })).fetch,
      {
        defaultReturnTo: '/notes',
      },
    );
    assert.equal((await getPage(pages, '/error?id=x')).headers.get('location'), '/notes');
  });
});
