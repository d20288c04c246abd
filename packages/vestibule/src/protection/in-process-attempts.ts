// Attempt counters decided in memory, for a store only this process opens (PGlite is
// single-process: one edge owns it). Why: on PGlite every statement runs on this process's thread
// (~0.2 ms for `SELECT 1`, ~0.9 ms for the reservation function), and an unlocked login paid for a
// reservation statement before Kratos saw it and a settlement after (issue 12's ≤ 1 ms target).
//
// - A reservation is a synchronous step after the key is in memory: no await between reading and
//   counting, so 50 parallel wrong passwords still let no more than the threshold through.
// - A key is read from the store on first touch (a lock survives a restart) — unless the store
//   certainly has no row for it (stored-keys.ts) — then memory is the truth for it; keys with
//   nothing in flight and nothing left to write may be dropped from memory (bounded) and read again.
// - A failure, and the lock it may start, is in the store before its settlement resolves: the
//   pipeline answers a failed login only after that, so every answered failure survives a restart.
//   A success (clearing failures) or a neutral outcome only loosens a counter and is written after
//   the answer. Reservations are never written: they die with the process — and so does the answer
//   to the attempt, which then told nobody anything.
import type { Kysely } from 'kysely';
import type { EdgeStoreDatabase } from '../store/index.ts';
import {
  afterAnswer,
  type AttemptCounters,
  type AttemptRule,
  type CounterRef,
  type CounterRow,
  type Outcome,
  type Reservation,
  type Settlement,
} from './attempts.ts';
import type { AuditRow } from './audit.ts';
import {
  counterId,
  deleteCounters,
  listCounters,
  pruneCounters,
  readCounters,
} from './counter-rows.ts';
import { CounterWrites, type CounterSnapshot } from './counter-writes.ts';
import { emptyCounter, reserveOn, settleOn } from './sliding-log.ts';
import { StoredKeys } from './stored-keys.ts';

/** Keys kept in memory beyond those in use; a dropped key costs one read when it comes back. */
const DEFAULT_MAX_KEYS = 10_000;

export class InProcessAttemptCounters implements AttemptCounters {
  /** In least-recently-used order (a touch moves a key to the end). */
  private readonly counters = new Map<string, CounterSnapshot>();
  private readonly loading = new Map<string, Promise<void>>();
  /** Keys an unlock cleared while their stored state was being read: that state is void. */
  private readonly clearedWhileLoading = new Set<string>();
  /** Keys a caller is between loading and counting: never dropped from memory meanwhile. */
  private readonly pins = new Map<string, number>();
  private readonly writes: CounterWrites;
  private readonly stored: StoredKeys;
  private scanned = false;

  constructor(
    private readonly db: Kysely<EdgeStoreDatabase>,
    private readonly now: () => number,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {
    this.stored = new StoredKeys(db);
    this.writes = new CounterWrites(
      db,
      (id) => {
        const counter = this.counters.get(id);
        // Known to have a row before the row is written.
        if (counter) this.stored.added(id);
        return counter;
      },
      now,
    );
  }

  async reserve(scope: string, key: string, rule: AttemptRule): Promise<Reservation> {
    return (await this.reserveAll([{ scope, key, rule }]))[0]!;
  }

  async reserveAll(refs: readonly CounterRef[]): Promise<Reservation[]> {
    const ids = refs.map((r) => counterId(r.scope, r.key));
    for (const id of ids) this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    try {
      await this.load(refs, ids);
      // From here to the return nothing awaits: the reservations are atomic in this process.
      const now = this.now();
      return refs.map((ref, i) => reserveOn(this.touch(ids[i]!, ref).state, ref.rule, now));
    } finally {
      for (const id of ids) {
        const left = this.pins.get(id)! - 1;
        if (left === 0) this.pins.delete(id);
        else this.pins.set(id, left);
      }
      // Refused attempts are never settled: keys read for them are bounded here.
      this.dropIdleKeys(this.maxKeys);
    }
  }

  async settle(scope: string, key: string, rule: AttemptRule, outcome: Outcome) {
    return (await this.settleAll([{ scope, key, rule, outcome }]))[0]!;
  }

  async settleAll(
    refs: ReadonlyArray<CounterRef & { outcome: Outcome }>,
    auditRows: readonly AuditRow[] = [],
  ): Promise<Settlement[]> {
    const { settled, changed } = this.apply(refs);
    await this.writes.write(changed, auditRows);
    this.dropIdleKeys(this.maxKeys);
    return settled;
  }

  /** In memory at once (the reservation is released now), in the store after the answer. */
  async settleAfterAnswer(
    refs: ReadonlyArray<CounterRef & { outcome: Outcome }>,
    auditRows: readonly AuditRow[],
  ): Promise<Settlement[]> {
    const { settled, changed } = this.apply(refs);
    // Not dropped from memory before the store has caught up.
    this.writes.expect(changed);
    await afterAnswer();
    await this.writes.write(changed, auditRows);
    this.dropIdleKeys(this.maxKeys);
    return settled;
  }

  private apply(refs: ReadonlyArray<CounterRef & { outcome: Outcome }>) {
    const now = this.now();
    const changed: string[] = [];
    const settled = refs.map((ref): Settlement => {
      const id = counterId(ref.scope, ref.key);
      const counter = this.counters.get(id);
      // Cleared by an unlock while in flight: nothing left to settle (as a deleted row in SQL).
      if (!counter) return {};
      const result = settleOn(counter.state, ref.rule, ref.outcome, now);
      if (result.changed) changed.push(id);
      return result.lockedUntil === undefined ? {} : { lockedUntil: new Date(result.lockedUntil) };
    });
    return { settled, changed };
  }

  async hit(scope: string, key: string, rule: AttemptRule): Promise<Reservation> {
    const reservation = await this.reserve(scope, key, rule);
    if (reservation.allowed) await this.settle(scope, key, rule, 'failure');
    return reservation;
  }

  async list(scopes: readonly string[], limit = 1000): Promise<CounterRow[]> {
    await this.writes.idle();
    return listCounters(this.db, scopes, this.now(), limit);
  }

  async clear(scopes: readonly string[], key: string): Promise<boolean> {
    await this.writes.idle();
    let held = false;
    for (const scope of scopes) {
      const id = counterId(scope, key);
      const state = this.counters.get(id)?.state;
      held ||= !!state && (state.failures.length > 0 || state.lockedUntil !== null);
      this.counters.delete(id);
      // Before the DELETE is sent: a write after it adds the id back.
      this.stored.removed(id);
      if (this.loading.has(id)) this.clearedWhileLoading.add(id);
    }
    return (await deleteCounters(this.db, scopes, key)) > 0 || held;
  }

  async prune(idleMs: number): Promise<number> {
    await this.writes.idle();
    const removed = await pruneCounters(this.db, this.now(), idleMs);
    if (removed > 0) this.stored.scan();
    // Everything written can be read back when needed; pruned rows must not live on in memory.
    this.dropIdleKeys(0);
    return removed;
  }

  /** Reads the keys not in memory yet; concurrent callers share one read per key. */
  private async load(refs: readonly CounterRef[], ids: readonly string[]): Promise<void> {
    if (!this.scanned) {
      // Before this instance writes anything: the scan sees the store as it was.
      this.scanned = true;
      this.stored.scan();
    }
    const missing = refs.filter(
      (_, i) => !this.counters.has(ids[i]!) && !this.loading.has(ids[i]!),
    );
    if (missing.length > 0) {
      const missingIds = missing.map((r) => counterId(r.scope, r.key));
      const read = this.read(missing, missingIds);
      const tracked = read.finally(() => {
        for (const id of missingIds) this.loading.delete(id);
      });
      for (const id of missingIds) this.loading.set(id, tracked);
    }
    await Promise.all(ids.map((id) => this.loading.get(id)));
  }

  private async read(missing: readonly CounterRef[], ids: readonly string[]): Promise<void> {
    const holds = await Promise.all(ids.map((id) => this.stored.mayHold(id)));
    const toRead = missing.filter((_, i) => holds[i]);
    const stored = toRead.length > 0 ? await readCounters(this.db, toRead) : undefined;
    for (const [i, ref] of missing.entries()) {
      const id = ids[i]!;
      const cleared = this.clearedWhileLoading.delete(id);
      if (this.counters.has(id)) continue;
      const state = (!cleared && stored?.get(id)) || emptyCounter();
      this.counters.set(id, { scope: ref.scope, key: ref.key, state });
    }
  }

  /** The key's counter, now the most recently used. */
  private touch(id: string, ref: CounterRef): CounterSnapshot {
    // Absent only when an unlock removed it after it was read: it starts empty, as in the store.
    const counter = this.counters.get(id) ?? {
      scope: ref.scope,
      key: ref.key,
      state: emptyCounter(),
    };
    this.counters.delete(id);
    this.counters.set(id, counter);
    return counter;
  }

  /** Drops the least recently used keys beyond `keep` that memory and store agree on. */
  private dropIdleKeys(keep: number): void {
    if (this.counters.size <= keep) return;
    const target = Math.floor(keep * 0.9);
    for (const [id, counter] of this.counters) {
      if (this.counters.size <= target) break;
      const busy =
        counter.state.reserved.length > 0 || this.pins.has(id) || this.writes.pending(id);
      if (!busy) this.counters.delete(id);
    }
  }
}
