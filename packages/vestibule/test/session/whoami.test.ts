import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWhoami } from '../../src/session/whoami.ts';
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

test('401 and 403 mean anonymous (null), not an error', async () => {
  for (const status of [401, 403]) {
    const whoami = whoamiWith(async () => Response.json({ error: {} }, { status }));
    assert.equal(await whoami({ kind: 'cookie', value: 'x' }), null);
  }
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
