// A token revoked at Hydra stays in the edge's introspection cache for up to its TTL unless the
// revocation reaches the edge: the revocation webhook (`access_token`) evicts it at once and
// announces its key (never the token) on the session bus, and a peer's announcement evicts it here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessTokenKey } from '../../src/access-token/key.ts';
import type { SessionCache } from '../../src/session/cache.ts';
import type { SessionEvent } from '../../src/session-bus/events.ts';
import { startGatewayStack, type Stack } from '../support/gateway-stack.ts';
import { startEmbeddedHydra, type EmbeddedHydra } from '../support/oauth2-server.ts';

const WEBHOOK_SECRET = 'a-revocation-secret-of-32-characters!!';

let hydra: EmbeddedHydra;
let stack: Stack;
let client: { id: string; secret: string };
let busCache: SessionCache | undefined;
const announced: SessionEvent[] = [];
let introspections = 0;

before(async () => {
  hydra = await startEmbeddedHydra();
  client = await hydra.createClient('email');
  stack = await startGatewayStack({
    rules: [{ id: 'notes', path: '/api/notes/**', mode: 'required' as const, scopes: ['email'] }],
    // A long TTL: without eviction the revoked token would pass for a minute.
    accessTokens: { hydraAdminURL: hydra.adminURL, ttlMs: 60_000 },
    revocation: { secret: WEBHOOK_SECRET },
    sessionBus: (cache) => {
      busCache = cache;
      return {
        announce: async (event) => void announced.push(event),
        close: async () => {},
      };
    },
    fetch: (input, init) => {
      if (String(input).endsWith('/admin/oauth2/introspect')) introspections++;
      return fetch(input, init);
    },
  });
});
after(async () => {
  await stack?.close();
  await hydra?.close();
});

const call = (token: string) =>
  fetch(`${stack.url}/api/notes/1`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  }).then(async (r) => (await r.body?.cancel(), r.status));

test('the revocation webhook evicts a revoked access token at once and announces only its key', async () => {
  const { access_token: token } = await hydra.mint(client, 'email');
  assert.equal(await call(token!), 200);
  await hydra.revoke(client, token!);
  assert.equal(await call(token!), 200, 'still cached: the bound the webhook removes');
  const hook = await fetch(`${stack.url}/.vestibule/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify({ access_token: token }),
  });
  assert.equal(hook.status, 200);
  assert.deepEqual(announced.at(-1), { kind: 'credential', key: accessTokenKey(token!) });
  assert.ok(!JSON.stringify(announced).includes(token!), 'the token never travels on the bus');
  const before = introspections;
  assert.equal(await call(token!), 401);
  assert.equal(introspections, before + 1, 'asked Hydra again');
});

test("a peer's announcement (the key over the bus) evicts the token on this edge", async () => {
  const { access_token: token } = await hydra.mint(client, 'email');
  assert.equal(await call(token!), 200);
  await hydra.revoke(client, token!);
  assert.equal(await call(token!), 200);
  // What the bus does with a peer's event: applySessionEvent → cache.evictKey(key).
  busCache!.evictKey(accessTokenKey(token!));
  assert.equal(await call(token!), 401);
});
