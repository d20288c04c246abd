import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWhoami, SessionRefused } from '../../src/session/whoami.ts';
import { createSessionResolver } from '../../src/session/resolver.ts';
import { KratosUnavailable } from '../../src/lib/errors.ts';
import type { FetchLike } from '../../src/lib/outbound.ts';

const session = {
  id: 's1',
  active: true,
  expires_at: new Date(Date.now() + 60_000).toISOString(),
  identity: { id: 'i1', traits: { email: 'a@example.com' } },
};

function whoamiWith(respond: FetchLike, timeoutMs = 500) {
  return createWhoami({ kratosPublicURL: 'http://kratos.test/base', fetch: respond, timeoutMs });
}

test('sends only the session cookie to /sessions/whoami and returns the session', async () => {
  let seen: { url: string; cookie: string | null; token: string | null } | undefined;
  const whoami = whoamiWith(async (url, init) => {
    const headers = new Headers(init?.headers);
    seen = {
      url: String(url),
      cookie: headers.get('cookie'),
      token: headers.get('x-session-token'),
    };
    return Response.json(session);
  });
  const result = await whoami({ kind: 'cookie', value: 'abc' });
  assert.equal(result?.identity.id, 'i1');
  assert.deepEqual(seen, {
    url: 'http://kratos.test/base/sessions/whoami',
    cookie: 'ory_kratos_session=abc',
    token: null,
  });
  await whoami({ kind: 'token', value: 'tok' });
  assert.equal(seen?.token, 'tok');
  assert.equal(seen?.cookie, null);
});

test('401 means anonymous (null), not an error', async () => {
  const whoami = whoamiWith(async () => Response.json({ error: {} }, { status: 401 }));
  assert.equal(await whoami({ kind: 'cookie', value: 'x' }), null);
});

test("403 is SessionRefused with Kratos's error id (not an outage); the resolver reads it as anonymous + error", async () => {
  const aal2 = async () =>
    Response.json(
      {
        error: { id: 'session_aal2_required', code: 403, status: 'Forbidden' },
        redirect_browser_to: 'http://kratos.test/self-service/login/browser?aal=aal2',
      },
      { status: 403 },
    );
  await assert.rejects(
    whoamiWith(aal2)({ kind: 'cookie', value: 'x' }),
    (err: unknown) =>
      err instanceof SessionRefused &&
      !(err instanceof KratosUnavailable) &&
      err.id === 'session_aal2_required',
  );
  for (const body of ['not json', JSON.stringify({ error: { id: 'Weird Id!' } })]) {
    await assert.rejects(
      whoamiWith(async () => new Response(body, { status: 403 }))({ kind: 'cookie', value: 'x' }),
      (err: unknown) => err instanceof SessionRefused && err.id === 'forbidden',
    );
  }
  let calls = 0;
  const resolver = createSessionResolver({
    kratosPublicURL: 'http://kratos.test',
    fetch: async () => {
      calls++;
      return aal2();
    },
  });
  const headers = new Headers({ cookie: 'ory_kratos_session=half' });
  for (let i = 0; i < 2; i++) {
    const resolved = await resolver.resolve(headers);
    assert.equal(resolved.session, null);
    assert.equal(resolved.error, 'session_aal2_required');
    // Not cached: the same cookie is valid once the second factor is done.
    assert.equal(resolver.peek(headers), undefined);
  }
  assert.equal(calls, 2);
});

test('an inactive session is anonymous', async () => {
  const whoami = whoamiWith(async () => Response.json({ ...session, active: false }));
  assert.equal(await whoami({ kind: 'cookie', value: 'x' }), null);
});

test('5xx, other statuses, non-JSON and non-session 200s are KratosUnavailable', async () => {
  const answers: Array<() => Response> = [
    () => new Response('oops', { status: 500 }),
    () => new Response('bad gateway', { status: 502 }),
    () => new Response('teapot', { status: 418 }),
    () => new Response('{not json', { status: 200 }),
    () => Response.json({ hello: 'world' }),
    () => Response.json({ id: 's', active: true, identity: { id: '' } }),
  ];
  for (const answer of answers) {
    const whoami = whoamiWith(async () => answer());
    await assert.rejects(whoami({ kind: 'cookie', value: 'x' }), KratosUnavailable);
  }
});

test('network errors and timeouts are KratosUnavailable (timeout code KRATOS_TIMEOUT)', async () => {
  const refused = whoamiWith(async () => {
    throw new TypeError('fetch failed');
  });
  await assert.rejects(refused({ kind: 'cookie', value: 'x' }), KratosUnavailable);
  const hanging = whoamiWith(
    (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      }),
    20,
  );
  // AbortSignal.timeout's timer is unref'd: keep the loop alive while we wait for it.
  const keepAlive = setTimeout(() => {}, 5_000);
  await assert.rejects(hanging({ kind: 'cookie', value: 'x' }), { code: 'KRATOS_TIMEOUT' });
  clearTimeout(keepAlive);
});

test("the call's timeout ends with the answer: nothing keeps the call's state for the rest of it", async () => {
  // AbortSignal.timeout would abort this signal 20 ms later still, holding the fetch's request,
  // response and body until then (a burst of cache misses grew the old generation by that).
  let signal: AbortSignal | undefined;
  const whoami = whoamiWith(async (_url, init) => {
    signal = init?.signal ?? undefined;
    return Response.json({ id: 's', active: true, identity: { id: 'i' } });
  }, 20);
  assert.equal((await whoami({ kind: 'cookie', value: 'x' }))?.id, 's');
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.ok(signal, 'the call had a signal');
  assert.equal(signal.aborted, false, 'its timer was cleared once the body was read');
});
