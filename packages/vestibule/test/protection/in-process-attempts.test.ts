// The in-memory counters of a PGlite store (issue 12's cost): what they must keep of the store's
// guarantees — an answered failure is in the store (a restart keeps it), keys dropped from memory
// come back from the store, a key with an attempt in flight is never dropped, writes are grouped and
// never land out of order, an unlock wins over a read in progress, and a key the store certainly
// has no row for is not read. (The rules themselves are run
// against both implementations in attempts.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AttemptRule } from '../../src/protection/attempts.ts';
import { InProcessAttemptCounters } from '../../src/protection/in-process-attempts.ts';
import { CounterWrites } from '../../src/protection/counter-writes.ts';
import { StoredKeys } from '../../src/protection/stored-keys.ts';
import { openEdgeStore, type EdgeStore } from '../../src/store/index.ts';

const rule: AttemptRule = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  maxLockMs: 24 * 3600_000,
};
const SCOPE = 'login:identifier';

describe('in-process attempt counters', () => {
  let store: EdgeStore;
  let clock = Date.parse('2026-12-07T10:00:00Z');
  const now = () => clock;
  before(async () => {
    store = await openEdgeStore('memory');
  });
  after(() => store.close());

  const stored = (key: string) =>
    store.db
      .selectFrom('vestibule_attempt_counters')
      .select(['failures', 'locked_until', 'lock_level'])
      .where('scope', '=', SCOPE)
      .where('key', '=', key)
      .executeTakeFirst();

  it('a settled failure is in the store when settle resolves, and a new process reads it back', async () => {
    const counters = new InProcessAttemptCounters(store.db, now);
    const key = 'durable@example.com';
    for (let i = 0; i < 4; i++) {
      await counters.reserve(SCOPE, key, rule);
      await counters.settle(SCOPE, key, rule, 'failure');
      assert.equal((await stored(key))?.failures.length, i + 1);
    }
    await counters.reserve(SCOPE, key, rule);
    const { lockedUntil } = await counters.settle(SCOPE, key, rule, 'failure');
    assert.equal(lockedUntil?.getTime(), clock + rule.lockMs);
    assert.equal(new Date((await stored(key))!.locked_until!).getTime(), clock + rule.lockMs);
    const restarted = new InProcessAttemptCounters(store.db, now);
    assert.deepEqual(await restarted.reserve(SCOPE, key, rule), {
      allowed: false,
      locked: true,
      retryAfterMs: rule.lockMs,
    });
  });

  it('keys dropped from memory are read back; a key with an attempt in flight is kept', async () => {
    const counters = new InProcessAttemptCounters(store.db, now, 4);
    const tight: AttemptRule = { ...rule, maxFailures: 2 };
    // Two failures for `kept`, then an attempt in flight.
    for (let i = 0; i < 2; i++) {
      await counters.reserve(SCOPE, 'locked@example.com', tight);
      await counters.settle(SCOPE, 'locked@example.com', tight, 'failure');
    }
    assert.equal((await counters.reserve(SCOPE, 'inflight@example.com', tight)).allowed, true);
    // Many other keys pass through and push both out of the four kept (unless busy).
    for (let i = 0; i < 20; i++) {
      await counters.reserve(SCOPE, `other-${i}@example.com`, tight);
      await counters.settle(SCOPE, `other-${i}@example.com`, tight, 'neutral');
    }
    // Locked: read back from the store.
    assert.equal((await counters.reserve(SCOPE, 'locked@example.com', tight)).allowed, false);
    // The attempt in flight still counts (it was never dropped): one more fits, the next does not.
    assert.equal((await counters.reserve(SCOPE, 'inflight@example.com', tight)).allowed, true);
    assert.equal((await counters.reserve(SCOPE, 'inflight@example.com', tight)).allowed, false);
  });

  it('groups concurrent writes into few statements and stores the latest state', async () => {
    let statements = 0;
    const counters = new InProcessAttemptCounters(
      store.db.withPlugin({
        transformQuery: (args) => {
          if (args.node.kind === 'InsertQueryNode') statements++;
          return args.node;
        },
        transformResult: (args) => Promise.resolve(args.result),
      }),
      now,
    );
    const keys = Array.from({ length: 10 }, (_, i) => `group-${i}@example.com`);
    await Promise.all(keys.map((k) => counters.reserve(SCOPE, k, rule)));
    await Promise.all(keys.map((k) => counters.reserve(SCOPE, k, rule)));
    statements = 0;
    // 20 failures settled at once: the first statement starts alone, the other 19 share the next.
    await Promise.all([...keys, ...keys].map((k) => counters.settle(SCOPE, k, rule, 'failure')));
    assert.ok(statements <= 2, `${statements} statements for 20 settlements`);
    for (const key of keys) assert.equal((await stored(key))?.failures.length, 2);
  });

  it('an unlock during the first read of a key leaves it unlocked', async () => {
    const key = 'unlock-during-read@example.com';
    const first = new InProcessAttemptCounters(store.db, now);
    for (let i = 0; i < 5; i++) {
      await first.reserve(SCOPE, key, rule);
      await first.settle(SCOPE, key, rule, 'failure');
    }
    const counters = new InProcessAttemptCounters(store.db, now);
    const reading = counters.reserve(SCOPE, key, rule);
    const cleared = counters.clear([SCOPE], key);
    assert.equal(await cleared, true);
    await reading;
    clock += 1000;
    assert.equal((await counters.reserve(SCOPE, key, rule)).allowed, true);
    assert.equal(await stored(key), undefined);
  });

  it('reads a key on first touch only when the store may have a row for it', async () => {
    const key = 'has-a-row@example.com';
    const writer = new InProcessAttemptCounters(store.db, now);
    await writer.reserve(SCOPE, key, rule);
    await writer.settle(SCOPE, key, rule, 'failure');
    let selects = 0;
    const counters = new InProcessAttemptCounters(
      store.db.withPlugin({
        transformQuery: (args) => {
          if (args.node.kind === 'SelectQueryNode') selects++;
          return args.node;
        },
        transformResult: (args) => Promise.resolve(args.result),
      }),
      now,
    );
    await counters.reserve(SCOPE, 'never-failed@example.com', rule);
    assert.equal(selects, 1, 'the one scan of the keys with a row, no read for this key');
    await counters.reserve(SCOPE, 'another-clean-one@example.com', rule);
    assert.equal(selects, 1);
    const withRow = await counters.reserve(SCOPE, key, rule);
    assert.equal(selects, 2, 'a key with a row is read');
    assert.deepEqual(withRow, { allowed: true, failures: 1 });
  });

  it('keeps no list beyond its limit: every key may have a row then', async () => {
    const keys = new StoredKeys(store.db, 2);
    keys.scan();
    assert.equal(await keys.mayHold('login:identifier\u0000nobody@example.com'), true);
    const empty = await openEdgeStore('memory');
    try {
      const few = new StoredKeys(empty.db, 2);
      few.scan();
      assert.equal(await few.mayHold('a'), false);
      few.added('a');
      assert.equal(await few.mayHold('a'), true);
      few.added('b');
      few.added('c'); // over the limit: no longer known
      assert.equal(await few.mayHold('z'), true);
    } finally {
      await empty.close();
    }
  });

  it(
    'a write asked for just as the previous statement completes is not left behind',
    { timeout: 10_000 },
    async () => {
      const writes = new CounterWrites(store.db, () => undefined, now);
      const row = (requestId: string) => ({
        at: new Date(clock),
        event: 'login_failed',
        identity_id: null,
        identifier_hash: null,
        client_address: null,
        user_agent: null,
        request_id: requestId,
      });
      // The second write is asked for by the first one's waiter, right as its statement finished.
      await writes.write([], [row('chained-1')]).then(() => writes.write([], [row('chained-2')]));
      const stored = await store.db
        .selectFrom('vestibule_audit_events')
        .select('request_id')
        .where('request_id', 'like', 'chained-%')
        .execute();
      assert.equal(stored.length, 2);
    },
  );
});
