import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { AttemptCounters, AttemptRule } from '../../src/protection/attempts.ts';
import { InProcessAttemptCounters } from '../../src/protection/in-process-attempts.ts';
import { SharedAttemptCounters } from '../../src/protection/shared-attempts.ts';
import { openEdgeStore, type EdgeStore, type EdgeStoreDatabase } from '../../src/store/index.ts';

const rule: AttemptRule = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxLockMs: 24 * 3600_000,
};

type Make = (db: Kysely<EdgeStoreDatabase>, now: () => number) => AttemptCounters;
// The same rules whether decided in SQL (PostgreSQL shared by edges) or in memory (PGlite).
const implementations: Array<[string, Make]> = [
  ['decided in SQL', (db, now) => new SharedAttemptCounters(db, now)],
  ['decided in memory, written through', (db, now) => new InProcessAttemptCounters(db, now)],
];

for (const [name, make] of implementations)
  describe(`attempt counters ${name}`, () => {
    let store: EdgeStore;
    let clock = Date.parse('2026-12-07T10:00:00Z');
    let counters: AttemptCounters;
    before(async () => {
      store = await openEdgeStore('memory');
      counters = make(store.db, () => clock);
    });
    after(() => store.close());

    it('locks after maxFailures failures and refuses while locked', async () => {
      for (let i = 0; i < 5; i++) {
        const r = await counters.reserve('login:identifier', 'a@example.com', rule);
        assert.equal(r.allowed, true);
        const s = await counters.settle('login:identifier', 'a@example.com', rule, 'failure');
        assert.equal(s.lockedUntil !== undefined, i === 4);
      }
      const refused = await counters.reserve('login:identifier', 'a@example.com', rule);
      assert.deepEqual(refused, { allowed: false, locked: true, retryAfterMs: 15 * 60_000 });
    });

    it('doubles the lock on a repeat and caps it', async () => {
      clock += 15 * 60_000;
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await counters.reserve('login:identifier', 'a@example.com', rule)).allowed,
          true,
        );
        await counters.settle('login:identifier', 'a@example.com', rule, 'failure');
      }
      const refused = await counters.reserve('login:identifier', 'a@example.com', rule);
      assert.equal(refused.allowed, false);
      assert.equal(!refused.allowed && refused.retryAfterMs, 30 * 60_000);
    });

    it('a success clears the failures but not an active lock', async () => {
      const key = 'b@example.com';
      for (let i = 0; i < 4; i++) {
        await counters.reserve('login:identifier', key, rule);
        await counters.settle('login:identifier', key, rule, 'failure');
      }
      await counters.reserve('login:identifier', key, rule);
      await counters.settle('login:identifier', key, rule, 'success');
      const again = await counters.reserve('login:identifier', key, rule);
      assert.deepEqual(again, { allowed: true, failures: 0 });
      await counters.settle('login:identifier', key, rule, 'neutral');
      const locked = await counters.reserve('login:identifier', 'a@example.com', rule);
      assert.equal(locked.allowed, false);
    });

    it('reserves atomically: 50 parallel attempts, 5 granted', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          counters.reserve('login:identifier', 'c@example.com', rule),
        ),
      );
      assert.equal(results.filter((r) => r.allowed).length, 5);
    });

    it('failures slide out of the window', async () => {
      const key = 'd@example.com';
      for (let i = 0; i < 4; i++) {
        await counters.reserve('login:identifier', key, rule);
        await counters.settle('login:identifier', key, rule, 'failure');
        clock += 60_000;
      }
      clock += 12 * 60_000; // the first failure is now 16 minutes old
      await counters.reserve('login:identifier', key, rule);
      const s = await counters.settle('login:identifier', key, rule, 'failure');
      assert.equal(s.lockedUntil, undefined);
    });

    it('a plain rate limit refuses until the oldest attempt leaves the window', async () => {
      const limit: AttemptRule = { maxFailures: 2, windowMs: 3600_000, lockMs: 0, maxLockMs: 0 };
      assert.equal((await counters.hit('recovery:send:address', '10.0.0.1', limit)).allowed, true);
      clock += 1000;
      assert.equal((await counters.hit('recovery:send:address', '10.0.0.1', limit)).allowed, true);
      const refused = await counters.hit('recovery:send:address', '10.0.0.1', limit);
      assert.deepEqual(refused, { allowed: false, locked: false, retryAfterMs: 3600_000 - 1000 });
    });

    it('lists and clears', async () => {
      const listed = await counters.list(['login:identifier']);
      assert.ok(listed.some((r) => r.key === 'a@example.com' && r.lockedUntil));
      assert.equal(await counters.clear(['login:identifier'], 'a@example.com'), true);
      assert.equal(
        (await counters.reserve('login:identifier', 'a@example.com', rule)).allowed,
        true,
      );
    });
    it('settles and writes the audit rows in one statement (and rows alone when nothing was granted)', async () => {
      const key = 'one-statement@example.com';
      const row = (event: string) => ({
        at: new Date(clock),
        event,
        identity_id: null,
        identifier_hash: key,
        client_address: null,
        user_agent: null,
        request_id: 'r1',
      });
      const statements: string[] = [];
      const logged = make(
        store.db.withPlugin({
          transformQuery: (args) => {
            statements.push(args.node.kind);
            return args.node;
          },
          transformResult: (args) => Promise.resolve(args.result),
        }),
        () => clock,
      );
      for (let i = 0; i < 4; i++) {
        await logged.reserve('login:identifier', key, rule);
        await logged.settle('login:identifier', key, rule, 'failure');
      }
      await logged.reserve('login:identifier', key, rule);
      await logged.list(['none']); // anything still being written has landed
      statements.length = 0;
      const [settled] = await logged.settleAll(
        [{ scope: 'login:identifier', key, rule, outcome: 'failure' }],
        [row('login_failed')],
      );
      assert.equal(statements.length, 1, 'one statement');
      assert.ok(settled?.lockedUntil, 'the fifth failure starts the lock');
      await logged.settleAll([], [row('login_locked')]);
      const events = await store.db
        .selectFrom('vestibule_audit_events')
        .select('event')
        .where('identifier_hash', '=', key)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        events.map((e) => e.event),
        ['login_failed', 'login_locked'],
      );
    });

    it('a reservation whose settlement has not landed yet still counts (deferred settlements are stricter, not looser)', async () => {
      const key = 'deferred@example.com';
      const tight: AttemptRule = { ...rule, maxFailures: 2 };
      assert.equal((await counters.reserve('login:identifier', key, tight)).allowed, true);
      assert.equal((await counters.reserve('login:identifier', key, tight)).allowed, true);
      // Both still in flight (their successes not yet settled): a third waits.
      assert.equal((await counters.reserve('login:identifier', key, tight)).allowed, false);
      await counters.settle('login:identifier', key, tight, 'success');
      assert.equal((await counters.reserve('login:identifier', key, tight)).allowed, true);
    });
  });
