// The Persister contract, run against every backend: persister.test.ts (in-memory PGlite),
// real-postgres.test.ts (a throwaway PostgreSQL server) and memory-persister.test.ts (the in-memory
// persister the contract tests use) register the same tests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  DuplicateCredentialsError,
  InvalidPageTokenError,
  type Identity,
  type Persister,
} from '../../src/persistence/index.ts';
import { flow, identity, message, nextTime, session, sha256 } from './fixtures.ts';

/** Registers the persister tests (in the current suite) on the persister `open` returns. */
export function persisterSuite(open: () => Promise<Persister>): void {
  let persister: Persister;
  before(async () => {
    persister = await open();
  });
  after(async () => {
    await persister.close();
  });

  test('identities round-trip exactly, credentials included', async () => {
    const ada = identity('ada@example.com', {
      metadata_public: { nickname: 'countess' },
      state_changed_at: nextTime(),
    });
    await persister.createIdentity(ada);
    assert.deepEqual(await persister.getIdentity(ada.id), ada);
    assert.equal(await persister.getIdentity(randomUUID()), undefined);
    assert.equal(await persister.getIdentity('not-a-uuid'), undefined);
  });

  test('credential identifiers are unique per type, case-insensitively → DuplicateCredentialsError', async () => {
    const first = identity('grace@example.com');
    await persister.createIdentity(first);
    const clash = identity('GRACE@example.com');
    await assert.rejects(persister.createIdentity(clash), (e: unknown) => {
      assert.ok(e instanceof DuplicateCredentialsError);
      assert.equal(e.identifier, 'grace@example.com');
      return true;
    });
    assert.equal(
      await persister.getIdentity(clash.id),
      undefined,
      'no half-written identity is left',
    );
    // Updating an identity with its own identifier is fine; taking another's is not.
    await persister.updateIdentity({
      ...first,
      traits: { email: 'grace@example.com', name: { first: 'Grace' } },
    });
    const other = identity('hopper@example.com');
    await persister.createIdentity(other);
    const stolen: Identity = structuredClone(other);
    stolen.credentials.password!.identifiers = ['Grace@Example.com'];
    await assert.rejects(persister.updateIdentity(stolen), DuplicateCredentialsError);
    assert.deepEqual((await persister.getIdentity(other.id))!.credentials.password!.identifiers, [
      'hopper@example.com',
    ]);
  });

  test('findIdentityByCredentialIdentifier is case-insensitive and typed', async () => {
    const alan = identity('alan@example.com');
    await persister.createIdentity(alan);
    assert.equal(
      (await persister.findIdentityByCredentialIdentifier('password', 'ALAN@example.COM'))?.id,
      alan.id,
    );
    assert.equal(
      await persister.findIdentityByCredentialIdentifier('code', 'alan@example.com'),
      undefined,
    );
    assert.equal(
      await persister.findIdentityByCredentialIdentifier('password', 'nobody@example.com'),
      undefined,
    );
  });

  test('updateIdentity replaces traits, state, metadata and credentials', async () => {
    const before = identity('update@example.com');
    await persister.createIdentity(before);
    const changed: Identity = {
      ...structuredClone(before),
      state: 'inactive',
      state_changed_at: nextTime(),
      metadata_admin: null,
      metadata_public: { a: [1, 2, { b: 'c' }] },
      updated_at: nextTime(),
    };
    delete changed.credentials.password;
    await persister.updateIdentity(changed);
    assert.deepEqual(await persister.getIdentity(before.id), changed);
    assert.equal(
      await persister.findIdentityByCredentialIdentifier('password', 'update@example.com'),
      undefined,
    );
    await assert.rejects(persister.updateIdentity(identity('ghost@example.com')), /does not exist/);
  });

  test('listIdentities: keyset pages by id with opaque tokens, filters by identifier and ids', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) {
      const item = identity(`page${i}@list.example`);
      await persister.createIdentity(item);
      created.push(item);
    }
    const all: string[] = [];
    let token: string | undefined;
    do {
      const page = await persister.listIdentities({
        page_size: 2,
        ...(token ? { page_token: token } : {}),
      });
      assert.ok(page.items.length <= 2);
      all.push(...page.items.map((i) => i.id));
      token = page.next_page_token;
    } while (token);
    assert.deepEqual(all, [...all].sort(), 'ordered by id');
    assert.equal(new Set(all).size, all.length, 'no duplicates across pages');
    for (const c of created) assert.ok(all.includes(c.id));
    const byIdentifier = await persister.listIdentities({
      page_size: 10,
      credentials_identifier: 'PAGE3@list.example',
    });
    assert.deepEqual(
      byIdentifier.items.map((i) => i.id),
      [created[3]!.id],
    );
    const byIds = await persister.listIdentities({
      page_size: 10,
      ids: [created[0]!.id, created[4]!.id, randomUUID()],
    });
    assert.deepEqual(byIds.items.map((i) => i.id).sort(), [created[0]!.id, created[4]!.id].sort());
    for (const bad of ['garbage!', Buffer.from('{"x":1}').toString('base64url'), 'e30']) {
      await assert.rejects(
        persister.listIdentities({ page_size: 2, page_token: bad }),
        InvalidPageTokenError,
      );
    }
  });

  test('property: hostile trait and metadata values survive storage unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.string(), async (metadata, text) => {
        const item = identity(`${randomUUID()}@prop.example`, {
          metadata_public: { v: metadata, text: `${text}\u0000'); drop table identities;--` },
        });
        await persister.createIdentity(item);
        assert.deepEqual(await persister.getIdentity(item.id), JSON.parse(JSON.stringify(item)));
      }),
      { numRuns: 40 },
    );
  });

  test('sessions: lookups by token hashes, revocation, identity listing newest first', async () => {
    const owner = identity('sessions@example.com');
    await persister.createIdentity(owner);
    const [s1, s2, s3] = [session(owner.id), session(owner.id), session(owner.id)];
    for (const s of [s1!, s2!, s3!]) await persister.createSession(s);
    assert.deepEqual(await persister.getSession(s1!.id), s1);
    assert.equal((await persister.getSessionByTokenHash(s2!.token_hash))?.id, s2!.id);
    assert.equal((await persister.getSessionByLogoutTokenHash(s3!.logout_token_hash))?.id, s3!.id);
    assert.equal(await persister.getSessionByTokenHash(sha256('unknown')), undefined);
    assert.deepEqual(
      (await persister.listSessionsOfIdentity(owner.id)).map((s) => s.id),
      [s3!.id, s2!.id, s1!.id],
    );

    assert.equal(await persister.revokeSession(s1!.id), true);
    assert.equal(await persister.revokeSession(s1!.id), false, 'already inactive');
    assert.equal(await persister.revokeSession(randomUUID()), false);
    assert.equal(
      await persister.revokeSessionsOfIdentity(owner.id, { exceptSessionId: s3!.id }),
      1,
    );
    assert.deepEqual(
      (await persister.listSessionsOfIdentity(owner.id, { active: true })).map((s) => s.id),
      [s3!.id],
    );

    const extended = {
      ...s3!,
      expires_at: nextTime(),
      authenticator_assurance_level: 'aal2' as const,
    };
    await persister.updateSession(extended);
    assert.deepEqual(await persister.getSession(s3!.id), extended);
  });

  test('getSessionWithIdentityByTokenHash returns exactly what the two separate lookups return', async () => {
    const owner = identity('joined@example.com', {
      metadata_public: { quote: 'it\'s "json" \\ \u00e9' },
      state_changed_at: nextTime(),
    });
    owner.credentials.code = {
      type: 'code',
      identifiers: ['joined@example.com'],
      config: { addresses: [{ channel: 'email', address: 'joined@example.com' }] },
      version: 1,
      created_at: nextTime(),
      updated_at: nextTime(),
    };
    await persister.createIdentity(owner);
    const s = session(owner.id, { active: false });
    await persister.createSession(s);
    const found = await persister.getSessionWithIdentityByTokenHash(s.token_hash);
    assert.deepEqual(found, {
      session: await persister.getSession(s.id),
      identity: await persister.getIdentity(owner.id),
    });
    assert.deepEqual(found?.session, s);
    assert.deepEqual(found?.identity, owner);

    const bare = identity('no-credentials@example.com', { credentials: {} });
    await persister.createIdentity(bare);
    const s2 = session(bare.id);
    await persister.createSession(s2);
    assert.deepEqual(
      (await persister.getSessionWithIdentityByTokenHash(s2.token_hash))?.identity,
      bare,
    );
    assert.equal(await persister.getSessionWithIdentityByTokenHash(sha256('unknown')), undefined);
    assert.equal(await persister.getSessionWithIdentityByTokenHash("' or 1=1 --"), undefined);
  });

  test('listSessions: keyset pagination newest first with an active filter', async () => {
    const owner = identity('many-sessions@example.com');
    await persister.createIdentity(owner);
    for (let i = 0; i < 5; i++)
      await persister.createSession(session(owner.id, { active: i % 2 === 0 }));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await persister.listSessions({
        page_size: 2,
        active: true,
        ...(token ? { page_token: token } : {}),
      });
      for (const s of page.items) assert.equal(s.active, true);
      seen.push(...page.items.map((s) => s.created_at));
      token = page.next_page_token;
    } while (token);
    assert.deepEqual(seen, [...seen].sort().reverse());
    await assert.rejects(
      persister.listSessions({
        page_size: 2,
        page_token: Buffer.from('{"c":"nope","id":"x"}').toString('base64url'),
      }),
      InvalidPageTokenError,
    );
  });

  test('deleting an identity removes it, its credentials and its sessions', async () => {
    const doomed = identity('doomed@example.com');
    await persister.createIdentity(doomed);
    const s = session(doomed.id);
    await persister.createSession(s);
    assert.equal(await persister.deleteIdentity(doomed.id), true);
    assert.equal(await persister.deleteIdentity(doomed.id), false);
    assert.equal(await persister.getSession(s.id), undefined);
    assert.equal(
      await persister.findIdentityByCredentialIdentifier('password', 'doomed@example.com'),
      undefined,
    );
    await persister.createIdentity(identity('doomed@example.com'));
  });

  test('consumeFlow: of 20 concurrent consumers exactly one wins; updateFlow never un-consumes', async () => {
    const f = flow({ identity_id: randomUUID(), session_id: randomUUID() });
    await persister.createFlow(f);
    assert.deepEqual(await persister.getFlow(f.id), f);
    const at = nextTime();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => persister.consumeFlow(f.id, at)),
    );
    assert.equal(results.filter(Boolean).length, 1);
    await persister.updateFlow({ ...f, body: { ...f.body, state: 'passed_challenge' } });
    const stored = await persister.getFlow(f.id);
    assert.equal(stored?.consumed_at, at);
    assert.equal(stored?.body.state, 'passed_challenge');
    assert.equal(await persister.consumeFlow(randomUUID(), at), false);
    assert.equal(await persister.getFlow('../etc/passwd'), undefined);
  });

  test('self-service errors round-trip', async () => {
    const at = nextTime();
    const record = {
      id: randomUUID(),
      error: { code: 500, message: 'boom', reason: 'x' },
      created_at: at,
      updated_at: at,
    };
    await persister.createError(record);
    assert.deepEqual(await persister.getError(record.id), record);
    assert.equal(await persister.getError(randomUUID()), undefined);
  });

  test('courier messages: update, newest-first pages, status and recipient filters', async () => {
    const recipient = `${randomUUID()}@mail.example`;
    const made = [];
    for (let i = 0; i < 4; i++) {
      const m = message(recipient);
      await persister.createMessage(m);
      made.push(m);
    }
    const sent = {
      ...made[0]!,
      status: 'sent' as const,
      send_count: 1,
      dispatches: [{ id: randomUUID(), status: 'success' as const, created_at: nextTime() }],
    };
    await persister.updateMessage(sent);
    assert.deepEqual(await persister.getMessage(sent.id), sent);
    const first = await persister.listMessages({ page_size: 2, recipient });
    assert.deepEqual(
      first.items.map((m) => m.id),
      [made[3]!.id, made[2]!.id],
    );
    const second = await persister.listMessages({
      page_size: 2,
      recipient,
      page_token: first.next_page_token!,
    });
    assert.deepEqual(
      second.items.map((m) => m.id),
      [made[1]!.id, made[0]!.id],
    );
    assert.equal(second.next_page_token, undefined);
    const queued = await persister.listMessages({ page_size: 10, recipient, status: 'queued' });
    assert.equal(queued.items.length, 3);
  });

  test('transaction: commits together, rolls back together, and a duplicate inside it is recoverable', async () => {
    const a = identity('tx-a@example.com');
    const f = flow();
    await persister.createFlow(f);
    await assert.rejects(
      persister.transaction(async (tx) => {
        assert.equal(await tx.consumeFlow(f.id, nextTime()), true);
        await tx.createIdentity(a);
        throw new Error('hook failed');
      }),
      /hook failed/,
    );
    assert.equal(await persister.getIdentity(a.id), undefined);
    assert.equal(
      (await persister.getFlow(f.id))?.consumed_at,
      undefined,
      'consumption rolled back too',
    );

    const taken = identity('tx-taken@example.com');
    await persister.createIdentity(taken);
    const retry = identity('tx-retry@example.com');
    await persister.transaction(async (tx) => {
      await assert.rejects(
        tx.createIdentity(identity('TX-TAKEN@example.com')),
        DuplicateCredentialsError,
      );
      await tx.createIdentity(retry); // the transaction is still usable after the duplicate
    });
    assert.ok(await persister.getIdentity(retry.id));
  });

  test('ping succeeds on an open database', async () => {
    await persister.ping();
  });
}
