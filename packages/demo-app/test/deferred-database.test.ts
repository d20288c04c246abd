// `vestibule up` starts the demo app with `openDatabaseAfter` (the stack is up): it listens at once,
// opens its PGlite only then — or at the first request, which waits for it — and a stack that stops
// before that never opens it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeIdentity, signIdentityHeaders } from 'vestibule/gateway';
import { startDemoApp } from '../src/index.ts';

const SECRET = 'demo-app-test-secret-0123456789abcdef';
const alice = { id: '2f7c1b9e-0a8d-4c53-9d7e-1f0b6a1c2d3e', email: 'a@example.org', role: 'user' };
const scratch = mkdtempSync(join(tmpdir(), 'demo-deferred-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function start(dataDir: string, openDatabaseAfter: Promise<unknown>) {
  return startDemoApp({
    host: '127.0.0.1',
    port: 0,
    headerSecret: SECRET,
    publicURL: 'http://localhost:4000',
    dataDir,
    openDatabaseAfter,
  });
}

function listNotes(url: string) {
  const signed = signIdentityHeaders(
    SECRET,
    { method: 'GET', path: '/api/notes' },
    encodeIdentity(alice),
  );
  return fetch(`${url}/api/notes`, { headers: Object.fromEntries(signed) });
}

test('the database opens when the signal comes, not before; pages without it answer at once', async () => {
  const dataDir = join(scratch, 'signal');
  let signal!: () => void;
  const app = await start(dataDir, new Promise<void>((resolve) => (signal = resolve)));
  try {
    // The edge's readiness probe (GET / with no identity) and an anonymous page need no database.
    assert.equal((await fetch(`${app.url}/`)).status, 200);
    const anonymous = signIdentityHeaders(SECRET, { method: 'GET', path: '/api/whoami' }, null);
    const whoami = await fetch(`${app.url}/api/whoami`, {
      headers: Object.fromEntries(anonymous),
    });
    assert.deepEqual(await whoami.json(), { user: null });
    assert.equal(existsSync(dataDir), false, 'opened before the signal');
    signal();
    await app.databaseReady;
    assert.equal(existsSync(join(dataDir, 'PG_VERSION')), true);
    assert.deepEqual(await (await listNotes(app.url)).json(), { notes: [] });
  } finally {
    await app.close();
  }
});

test('a request before the signal opens it and waits for it', async () => {
  const dataDir = join(scratch, 'request');
  const app = await start(dataDir, new Promise<void>(() => {}));
  try {
    const res = await listNotes(app.url);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { notes: [] });
    await app.databaseReady;
  } finally {
    await app.close();
  }
});

test('closed before the signal: never opened, and the signal after close opens nothing', async () => {
  const dataDir = join(scratch, 'closed');
  let signal!: () => void;
  const app = await start(dataDir, new Promise<void>((resolve) => (signal = resolve)));
  await app.close();
  signal();
  await assert.rejects(app.databaseReady, /closed/);
  assert.equal(existsSync(dataDir), false);
});
