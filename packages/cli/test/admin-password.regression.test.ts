// Regression (issue 13, "no known passwords"): `vestibule up` seeded admin@example.com with a
// password printed in the README, so every demo stack — and a real Kratos it was pointed at — had an
// admin anyone could log in as. Now the password is random per data dir, printed once, kept in
// <data dir>/secrets.json (0600), and a Kratos given by URL is seeded only with --seed-admin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localSecret, SECRETS_FILE } from '../src/stack/local-secrets.ts';
import { runUp } from './support/up.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'vestibule-secrets-'));

test('a generated secret differs per data dir, is kept with mode 0600 and reused', () => {
  const [a, b] = [tempDir(), tempDir()];
  const first = localSecret(a, 'admin_password');
  assert.equal(first.created, true);
  assert.notEqual(first.value, localSecret(b, 'admin_password').value);
  assert.deepEqual(localSecret(a, 'admin_password'), { value: first.value, created: false });
  assert.equal(statSync(join(a, SECRETS_FILE)).mode & 0o777, 0o600);
  assert.notEqual(
    localSecret(undefined, 'admin_password').value,
    localSecret(undefined, 'admin_password').value,
  );
});

async function logIn(edgeURL: string, identifier: string, password: string): Promise<number> {
  const flow = (await (await fetch(`${edgeURL}/api/ory/self-service/login/api`)).json()) as {
    id: string;
  };
  const res = await fetch(`${edgeURL}/api/ory/self-service/login?flow=${flow.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ method: 'password', identifier, password }),
  });
  await res.body?.cancel();
  return res.status;
}

test('up: the admin password is random, printed once, kept under the data dir, and logs in', async () => {
  const dataDir = tempDir();
  const ports = ['--kratos-public-port', '0', '--kratos-admin-port', '0', '--data-dir', dataDir];
  const first = await runUp(ports, {});
  let password: string;
  try {
    const printed = /Admin login\s+admin@example\.com \/ (\S+)/.exec(first.text());
    assert.ok(printed, first.text());
    password = printed[1]!;
    assert.notEqual(password, 'notes-demo-admin-4000', 'not the old documented password');
    const kept = JSON.parse(readFileSync(join(dataDir, SECRETS_FILE), 'utf8')) as Record<
      string,
      string
    >;
    assert.equal(kept.admin_password, password);
    assert.equal(await logIn(first.edgeURL, 'admin@example.com', password), 200);
  } finally {
    assert.equal(await first.stop(), 0);
  }
  const second = await runUp(ports, {});
  try {
    assert.doesNotMatch(second.text(), new RegExp(password), 'printed once, not on every start');
    assert.match(
      second.text(),
      /Admin login\s+admin@example\.com \/ \(printed when it was made; kept in .*secrets\.json\)/,
    );
    assert.equal(await logIn(second.edgeURL, 'admin@example.com', password), 200);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});

/** A stand-in for a real Kratos's admin API that records what is asked of it. */
async function recordingKratos() {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url?.split('?')[0]}`);
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST') {
      res.statusCode = 201;
      res.end(JSON.stringify({ id: '5f4c3b2a-1d0e-4f9a-8b7c-6d5e4f3a2b1c' }));
    } else res.end(req.url?.startsWith('/admin/identities') ? '[]' : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('up never seeds a Kratos given by URL unless --seed-admin says so', async () => {
  const kratos = await recordingKratos();
  const env = { VESTIBULE_KRATOS_PUBLIC_URL: kratos.url, VESTIBULE_KRATOS_ADMIN_URL: kratos.url };
  try {
    const plain = await runUp(['--memory'], env);
    assert.match(plain.text(), /not seeded with the demo admin \(pass --seed-admin to create it\)/);
    assert.equal(await plain.stop(), 0);
    assert.ok(!kratos.seen.some((line) => line.startsWith('POST')), kratos.seen.join(', '));

    const asked = await runUp(['--memory', '--seed-admin'], env);
    assert.match(asked.text(), /admin account created \(admin@example\.com\)/);
    assert.equal(await asked.stop(), 0);
    assert.ok(kratos.seen.includes('POST /admin/identities'), kratos.seen.join(', '));
  } finally {
    await kratos.close();
  }
});
