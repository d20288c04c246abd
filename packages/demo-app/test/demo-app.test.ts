// The demo app on a real socket, with identity headers signed the way the edge signs them.
// It must trust only valid signatures, scope notes to their owner, escape what users write,
// and refuse cross-origin writes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeIdentity, signIdentityHeaders } from 'vestibule/gateway';
import { startDemoApp, type RunningDemoApp } from '../src/index.ts';

const SECRET = 'demo-app-test-secret-0123456789abcdef';
const PUBLIC_URL = 'http://localhost:4000';
const alice = {
  id: '2f7c1b9e-0a8d-4c53-9d7e-1f0b6a1c2d3e',
  email: 'alice@example.org',
  role: 'user',
};
const bob = { id: '8e1d2c3b-4a59-4867-a1b2-c3d4e5f60718', email: 'bob@example.org', role: 'user' };
const root = {
  id: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
  email: 'root@example.org',
  role: 'admin',
};

let app: RunningDemoApp;
before(async () => {
  app = await startDemoApp({
    host: '127.0.0.1',
    port: 0,
    headerSecret: SECRET,
    publicURL: PUBLIC_URL,
  });
});
after(async () => {
  await app?.close();
});

type Who = typeof alice | null;

/** A request as the edge forwards it: signed identity (or signed "anonymous") for this method+path. */
function call(
  method: string,
  path: string,
  who: Who,
  init: { body?: string; headers?: Record<string, string> } = {},
) {
  const signed = signIdentityHeaders(SECRET, { method, path }, who ? encodeIdentity(who) : null);
  return fetch(app.url + path, {
    method,
    redirect: 'manual',
    headers: { ...Object.fromEntries(signed), ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
}

const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' };

test('GET /api/whoami: null when anonymous, {id,email,role} with a valid signature', async () => {
  assert.deepEqual(await (await call('GET', '/api/whoami', null)).json(), { user: null });
  assert.deepEqual(await (await call('GET', '/api/whoami', alice)).json(), { user: alice });
});

test('unsigned or forged identity headers are ignored: the caller is nobody', async () => {
  const forged = await fetch(`${app.url}/api/whoami`, {
    headers: { 'x-user-id': alice.id, 'x-user-email': alice.email, 'x-user-role': 'admin' },
  });
  assert.deepEqual(await forged.json(), { user: null });
  const signedForAnotherPath = signIdentityHeaders(
    SECRET,
    { method: 'GET', path: '/' },
    encodeIdentity(root),
  );
  const replayed = await fetch(`${app.url}/api/whoami`, {
    headers: Object.fromEntries(signedForAnotherPath),
  });
  assert.deepEqual(await replayed.json(), { user: null });
  const wrongKey = signIdentityHeaders(
    'another-secret-0123456789abcdefghij',
    { method: 'GET', path: '/api/whoami' },
    encodeIdentity(root),
  );
  assert.deepEqual(
    await (await fetch(`${app.url}/api/whoami`, { headers: Object.fromEntries(wrongKey) })).json(),
    { user: null },
  );
});

test('the home page greets a signed-in user and escapes the address', async () => {
  const anonymous = await (await call('GET', '/', null)).text();
  assert.match(anonymous, /Welcome to Notes/);
  assert.match(anonymous, /href="\/login"/);
  const tricky = { ...alice, email: '<img src=x onerror=alert(1)>@example.org' };
  const page = await (await call('GET', '/', tricky)).text();
  assert.match(page, /Hello, &lt;img src=x onerror=alert\(1\)&gt;@example\.org!/);
  assert.doesNotMatch(page, /<img src=x/);
});

test('/account needs a user: a browser is sent to the login page, an API caller gets 401', async () => {
  const browser = await call('GET', '/account', null, { headers: { accept: 'text/html' } });
  assert.equal(browser.status, 303);
  assert.match(browser.headers.get('location') ?? '', /^\/login\?return_to=/);
  const api = await call('GET', '/api/notes', null, { headers: { accept: 'application/json' } });
  assert.equal(api.status, 401);
  const direct = await fetch(`${app.url}/account`, {
    redirect: 'manual',
    headers: { accept: 'text/html' },
  });
  assert.equal(
    direct.status,
    401,
    'without the edge (no signature) the app cannot know: 401, never a redirect loop',
  );
});

test('/account creates the profile on first sight (ensureUser) and shows the synced role', async () => {
  const page = await (
    await call('GET', '/account', alice, { headers: { accept: 'text/html' } })
  ).text();
  assert.match(page, /data-testid="account-email">alice@example\.org</);
  assert.match(page, /data-testid="account-role"><span class="badge">user</);
});

test('/admin is for role admin only, and lists the provisioned profiles', async () => {
  const refused = await call('GET', '/admin', alice, { headers: { accept: 'text/html' } });
  assert.equal(refused.status, 403);
  await refused.text();
  const page = await (
    await call('GET', '/admin', root, { headers: { accept: 'text/html' } })
  ).text();
  assert.match(page, /data-testid="admin-title">Admin</);
  assert.match(page, /alice@example\.org/);
  assert.match(page, /root@example\.org<\/td>\s*<td>admin/);
});

test('notes API: create, list, read, update, delete, scoped to the owner', async () => {
  const created = await call('POST', '/api/notes', alice, {
    headers: jsonHeaders,
    body: JSON.stringify({ title: 'Groceries', body: 'milk' }),
  });
  assert.equal(created.status, 201);
  const { note } = (await created.json()) as { note: { id: string; title: string; body: string } };
  assert.equal(note.title, 'Groceries');

  const listed = (await (await call('GET', '/api/notes', alice)).json()) as {
    notes: Array<{ id: string }>;
  };
  assert.ok(listed.notes.some((n) => n.id === note.id));
  const bobs = (await (await call('GET', '/api/notes', bob)).json()) as { notes: unknown[] };
  assert.deepEqual(bobs.notes, []);

  assert.equal(
    (await call('GET', `/api/notes/${note.id}`, bob)).status,
    404,
    "another user's note does not exist for them",
  );
  assert.equal((await call('DELETE', `/api/notes/${note.id}`, bob)).status, 404);
  const updated = await call('PUT', `/api/notes/${note.id}`, alice, {
    headers: jsonHeaders,
    body: JSON.stringify({ title: 'Groceries', body: 'milk, eggs' }),
  });
  assert.equal(((await updated.json()) as { note: { body: string } }).note.body, 'milk, eggs');
  assert.equal((await call('DELETE', `/api/notes/${note.id}`, alice)).status, 204);
  assert.equal((await call('GET', `/api/notes/${note.id}`, alice)).status, 404);
  assert.equal((await call('GET', '/api/notes/not-a-uuid', alice)).status, 404);
});

test('bad note input is a 400 with the reason', async () => {
  const cases: Array<[string, RegExp]> = [
    ['{"title": ""}', /title is required/],
    ['not json', /expected a JSON body/],
    [JSON.stringify({ title: 'x'.repeat(201) }), /longer than 200/],
    ['[1]', /title is required/],
  ];
  for (const [body, message] of cases) {
    const res = await call('POST', '/api/notes', alice, { headers: jsonHeaders, body });
    assert.equal(res.status, 400, body);
    assert.match(((await res.json()) as { error: string }).error, message);
  }
});

test('form posts: a note is added and shown escaped; a cross-site post is refused', async () => {
  const form = new URLSearchParams({
    title: '<b>bold</b>',
    body: '<script>alert(1)</script>',
  }).toString();
  const formHeaders = {
    'content-type': 'application/x-www-form-urlencoded',
    origin: PUBLIC_URL,
    'sec-fetch-site': 'same-origin',
  };
  const posted = await call('POST', '/notes', bob, { headers: formHeaders, body: form });
  assert.equal(posted.status, 303);
  assert.equal(posted.headers.get('location'), '/account');
  const page = await (
    await call('GET', '/account', bob, { headers: { accept: 'text/html' } })
  ).text();
  assert.match(page, /&lt;b&gt;bold&lt;\/b&gt;/);
  assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(page, /<script>alert/);

  const crossSite = await call('POST', '/notes', bob, {
    headers: { ...formHeaders, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    body: form,
  });
  assert.equal(crossSite.status, 403);
  const otherOrigin = await call('POST', '/notes', bob, {
    headers: { ...formHeaders, origin: 'https://evil.example', 'sec-fetch-site': '' },
    body: form,
  });
  assert.equal(otherOrigin.status, 403);
});

test('unknown paths are 404 and wrong methods 405', async () => {
  assert.equal((await call('GET', '/nope', null)).status, 404);
  const wrong = await call('DELETE', '/account', alice);
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET');
});

test('a data dir whose parent does not exist yet is created (fresh clone: npm start without .data/)', async () => {
  const { mkdtempSync, existsSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { openDatabase } = await import('../src/db.ts');
  const root = mkdtempSync(join(tmpdir(), 'demo-app-data-'));
  const dir = join(root, '.data', 'demo-app');
  try {
    const db = await openDatabase(dir);
    await db.destroy();
    assert.ok(existsSync(dir));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
