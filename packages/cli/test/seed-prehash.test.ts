// The dev stack hashes the admin's password while a new identity database opens and seeds it as
// Kratos's `hashed_password` import: the hash is the server's own (configured hasher and cost), the
// admin signs in with the password, and an existing database gets no hash (nothing to seed there).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from 'vestibule/edge';
import { startEmbeddedIdentity } from '../src/stack/embedded-identity.ts';
import { seedAdmin } from '../src/stack/seed-admin.ts';
import { signInByAPI } from './support/identity.ts';

const account = { email: 'admin@example.com', password: 'a long random seed password 8d1f' };
const scratch = mkdtempSync(join(tmpdir(), 'seed-prehash-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function start(dataDir?: string) {
  return startEmbeddedIdentity({
    host: '127.0.0.1',
    publicPort: 0,
    adminPort: 0,
    edgeURL: 'http://localhost:4000',
    logger: createLogger({ level: 'error', write: () => {} }),
    bcryptCost: 5,
    seedPassword: account.password,
    ...(dataDir ? { dataDir } : {}),
  });
}

test('a new database: the password is hashed as the server hashes, seeded, and signs in', async () => {
  const server = await start();
  try {
    const hash = await server.seedPasswordHash;
    assert.match(hash ?? '', /^\$2a\$05\$/, 'bcrypt at the configured cost, as Kratos stores it');
    assert.equal(await seedAdmin(server.adminURL, account, undefined, hash), 'created');
    const signedIn = await signInByAPI(server.publicURL, account.email, account.password);
    assert.ok(signedIn.session_token);
    await assert.rejects(signInByAPI(server.publicURL, account.email, 'not the password'));
    assert.equal(await seedAdmin(server.adminURL, account, undefined, hash), 'exists');
  } finally {
    await server.close();
  }
});

test('an existing database directory: no hash is made', async () => {
  const dataDir = join(scratch, 'existing');
  mkdirSync(dataDir, { recursive: true });
  const server = await start(dataDir);
  try {
    assert.equal(server.seedPasswordHash, undefined);
  } finally {
    await server.close();
  }
});
