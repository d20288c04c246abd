// Nothing is lost across a restart: write, close, reopen the same data directory, read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../src/config/index.ts';
import { createServerContext } from '../../src/context-factory.ts';
import { flow, identity, session } from './fixtures.ts';

test('a data-directory DSN keeps identities, credentials, sessions and flows across a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-pglite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = defaultConfig({ dsn: dir, hashers: { bcrypt: { cost: 4 } } });

  const first = await createServerContext(config, { log: () => {} });
  const ada = identity('restart@example.com');
  ada.credentials.password!.config = {
    hashed_password: await first.hasher.hash('a long passphrase'),
  };
  const s = session(ada.id);
  const f = flow({ kind: 'registration' });
  await first.persister.createIdentity(ada);
  await first.persister.createSession(s);
  await first.persister.createFlow(f);
  assert.equal(await first.persister.consumeFlow(f.id, s.created_at), true);
  await first.close();
  await first.close(); // idempotent

  const second = await createServerContext(config, { log: () => {} });
  t.after(() => second.close());
  assert.deepEqual(await second.persister.getIdentity(ada.id), ada);
  assert.deepEqual(await second.persister.getSessionByTokenHash(s.token_hash), s);
  const reloaded = await second.persister.getFlow(f.id);
  assert.equal(reloaded?.consumed_at, s.created_at);
  assert.equal(await second.persister.consumeFlow(f.id, s.created_at), false, 'still consumed');
  const stored = await second.persister.findIdentityByCredentialIdentifier(
    'password',
    'RESTART@example.com',
  );
  const hashed = stored!.credentials.password!.config.hashed_password as string;
  assert.equal(await second.hasher.verify('a long passphrase', hashed), true);
});

test('createServerContext wires config, schemas, hasher, policy and clock; bad schemas fail first', async () => {
  const clock = { now: () => new Date('2030-01-01T00:00:00Z') };
  const ctx = await createServerContext(defaultConfig(), { clock, log: () => {} });
  try {
    assert.equal(ctx.config.dsn, 'memory');
    assert.equal(ctx.clock.now().toISOString(), '2030-01-01T00:00:00.000Z');
    assert.equal(ctx.schemas.defaultId, 'default');
    assert.ok(ctx.schemas.get('default')?.traitNodes({ group: 'default' }).length);
    assert.equal((await ctx.passwordPolicy.check('short', []))?.id, 4000032);
    await ctx.persister.ping();
  } finally {
    await ctx.close();
  }
  const broken = defaultConfig({
    identity: { schemas: [{ id: 'default', url: 'file:///nonexistent.json' }] },
  });
  await assert.rejects(
    createServerContext(broken, { log: () => {} }),
    /identity schema "default": cannot read/,
  );
});
