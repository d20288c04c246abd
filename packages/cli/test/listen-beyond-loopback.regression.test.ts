// Regression (issue 13): `vestibule up --host 0.0.0.0` put Kratos's admin API (which creates admins
// and shows recovery codes) and the dev mailbox on the network, signed with the quickstart secrets
// printed in kratos.yml. Now the admin API stays on 127.0.0.1, the mailbox is off, and Kratos's
// cookie/cipher secrets and the header secret are generated into the data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from 'vestibule/edge';
import { embeddedKratosConfig } from '../src/stack/embedded-identity.ts';
import { SECRETS_FILE } from '../src/stack/local-secrets.ts';
import { startStack } from '../src/stack/stack.ts';
import { createProgress } from '../src/terminal/progress.ts';

test('the embedded admin API listens on loopback whatever --host says', () => {
  const base = { publicPort: 4433, adminPort: 4434, edgeURL: 'http://localhost:4000' };
  const logger = createLogger({ level: 'error', write: () => {} });
  for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
    const serve = embeddedKratosConfig({ ...base, host, logger }).serve as Record<
      string,
      { host: string; base_url: string }
    >;
    assert.equal(serve.admin!.host, '127.0.0.1', host);
    assert.equal(serve.admin!.base_url, 'http://127.0.0.1:4434/', host);
    assert.equal(serve.public!.host, host);
  }
  const local = embeddedKratosConfig({ ...base, host: '127.0.0.1', logger }).serve as Record<
    string,
    { host: string }
  >;
  assert.equal(local.admin!.host, '127.0.0.1');
});

test('up on 0.0.0.0: admin API unreachable on another address, mailbox off, secrets generated', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vestibule-host-'));
  const stack = await startStack({
    host: '0.0.0.0',
    ports: { edge: 0, app: 0, kratosPublic: 0, kratosAdmin: 0 },
    dataDir,
    env: {},
    admin: { email: 'admin@example.com', password: 'a-test-admin-password-4000' },
    identity: { bcryptCost: 4 },
    progress: createProgress(() => {}),
    logger: createLogger({ level: 'error', write: () => {} }),
  });
  try {
    const publicPort = new URL(stack.kratosPublicURL).port;
    const adminPort = new URL(stack.kratosAdminURL!).port;
    // 127.0.0.2 is a loopback address other than the one the admin API is bound to: a listener on
    // 0.0.0.0 answers there, one on 127.0.0.1 does not — as it would not on the machine's LAN address.
    const alive = await fetch(`http://127.0.0.2:${publicPort}/health/alive`);
    assert.equal(alive.status, 200, 'the public API listens on every address');
    await assert.rejects(
      fetch(`http://127.0.0.2:${adminPort}/admin/identities`),
      'admin API refused',
    );
    const viaLoopback = await fetch(`http://127.0.0.1:${adminPort}/health/alive`);
    assert.equal(viaLoopback.status, 200, 'the admin API still answers on loopback');

    const edge = stack.edgeURL.replace('localhost', '127.0.0.1');
    const mailbox = await fetch(`${edge}/dev/mailbox`, { headers: { accept: 'text/html' } });
    await mailbox.body?.cancel();
    assert.notEqual(mailbox.status, 200, 'no dev mailbox beyond loopback');
    assert.equal(stack.config.dev.mailbox, false);

    const kept = JSON.parse(readFileSync(join(dataDir, SECRETS_FILE), 'utf8')) as Record<
      string,
      string
    >;
    assert.equal(kept.kratos_cipher?.length, 32, 'Kratos cipher secrets are 32 characters');
    assert.ok((kept.kratos_cookie?.length ?? 0) >= 32);
    assert.notEqual(kept.kratos_cookie, 'PLEASE-CHANGE-ME-I-AM-VERY-INSECURE');
    assert.equal(stack.config.gateway.header_secret, kept.header_secret);
  } finally {
    await stack.stop();
  }
});
