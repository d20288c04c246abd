// Writes of in-memory counters (in-process-attempts.ts) to the store, grouped: whatever is waiting
// when a statement starts goes into it — every changed counter as it is *then* (the latest state,
// so writes can never land out of order), and the audit rows queued with them. One statement at a
// time, one upsert for many logins: back-to-back logins share a statement instead of queueing one
// each behind PGlite's single connection.
import type { Kysely } from 'kysely';
import type { EdgeStoreDatabase } from '../store/index.ts';
import type { AuditRow } from './audit.ts';
import type { CounterState } from './sliding-log.ts';

export interface CounterSnapshot {
  scope: string;
  key: string;
  state: CounterState;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class CounterWrites {
  /** Counters changed since the last statement started, by id. */
  private readonly changed = new Set<string>();
  /** Counters in the statement now running: memory is ahead of the store for them. */
  private readonly writing = new Set<string>();
  /** Counters changed in memory whose write is about to be asked for (after an answer). */
  private readonly expected = new Set<string>();
  /** Counters whose last statement failed: written again with the next one. */
  private readonly failed = new Set<string>();
  private rows: AuditRow[] = [];
  private waiters: Waiter[] = [];
  /** The drain loop, while `draining`: cleared in the loop itself, so no write is ever left behind. */
  private running: Promise<void> = Promise.resolve();
  private draining = false;

  constructor(
    private readonly db: Kysely<EdgeStoreDatabase>,
    /** The counter's state now, or undefined when it was cleared (nothing to write). */
    private readonly snapshot: (id: string) => CounterSnapshot | undefined,
    private readonly now: () => number,
  ) {}

  /** These counters changed in memory and will be written shortly: pending until then. */
  expect(ids: readonly string[]): void {
    for (const id of ids) this.expected.add(id);
  }

  /** Resolves once a statement that started after this call has stored these counters and rows. */
  write(ids: readonly string[], rows: readonly AuditRow[] = []): Promise<void> {
    for (const id of ids) this.expected.delete(id);
    if (ids.length === 0 && rows.length === 0) return Promise.resolve();
    for (const id of ids) this.changed.add(id);
    this.rows.push(...rows);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.draining) {
      this.draining = true;
      this.running = this.drain();
    }
    return done;
  }

  /** Whether the store may still be behind memory for this counter. */
  pending(id: string): boolean {
    return (
      this.expected.has(id) || this.changed.has(id) || this.writing.has(id) || this.failed.has(id)
    );
  }

  /** Resolves once everything queued so far is written (or has failed). */
  async idle(): Promise<void> {
    while (this.draining) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.changed.size > 0 || this.rows.length > 0) await this.writeOnce();
    } finally {
      // In the same step as the last check: a write() from now on starts a new drain.
      this.draining = false;
    }
  }

  /** One statement with everything waiting now. */
  private async writeOnce(): Promise<void> {
    const ids = [...new Set([...this.changed, ...this.failed])];
    this.changed.clear();
    this.failed.clear();
    const rows = this.rows;
    const waiters = this.waiters;
    this.rows = [];
    this.waiters = [];
    for (const id of ids) this.writing.add(id);
    try {
      await this.store(ids, rows);
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const id of ids) this.failed.add(id);
      for (const w of waiters) w.reject(err);
    } finally {
      for (const id of ids) this.writing.delete(id);
    }
  }

  private async store(ids: readonly string[], rows: readonly AuditRow[]): Promise<void> {
    const at = new Date(this.now());
    const counters = ids
      .map((id) => this.snapshot(id))
      .filter((c): c is CounterSnapshot => c !== undefined)
      .map(({ scope, key, state }) => ({
        scope,
        key,
        failures: state.failures.map((t) => new Date(t)),
        // Attempts in flight live and die with this process: the store holds none for it.
        reserved: [],
        locked_until: state.lockedUntil === null ? null : new Date(state.lockedUntil),
        lock_level: state.lockLevel,
        updated_at: at,
      }));
    if (counters.length === 0) {
      if (rows.length > 0)
        await this.db
          .insertInto('vestibule_audit_events')
          .values([...rows])
          .execute();
      return;
    }
    const upsert = (db: Pick<Kysely<EdgeStoreDatabase>, 'insertInto'>) =>
      db
        .insertInto('vestibule_attempt_counters')
        .values(counters)
        .onConflict((oc) =>
          oc.columns(['scope', 'key']).doUpdateSet((eb) => ({
            failures: eb.ref('excluded.failures'),
            reserved: eb.ref('excluded.reserved'),
            locked_until: eb.ref('excluded.locked_until'),
            lock_level: eb.ref('excluded.lock_level'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        );
    // One statement: a data-modifying WITH runs exactly once.
    if (rows.length === 0) await upsert(this.db).execute();
    else
      await upsert(
        this.db.with('audit_rows', (db) =>
          db.insertInto('vestibule_audit_events').values([...rows]),
        ),
      ).execute();
  }
}
