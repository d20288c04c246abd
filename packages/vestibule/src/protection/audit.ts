// The audit log: one structured event per attempt and outcome, as a JSON line through the edge's
// logger and a row in the edge store (`vestibule audit tail|query`). The identifier is kept only as
// a keyed hash (HMAC-SHA-256): an operator can find "every event for alice@…" by hashing it with the
// same key, a leaked table cannot be reversed by hashing a list of addresses. Never a password,
// code, token or cookie: the event type below has no field that could hold one.
import { createHmac } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { Logger } from '../lib/logger.ts';
import type { AuditEventsTable, EdgeStoreDatabase } from '../store/index.ts';
import { BackgroundWrites } from './background.ts';
import { normaliseIdentifier } from './keys.ts';

export const AUDIT_EVENTS = [
  'login_succeeded',
  'login_failed',
  'login_locked',
  'lockout_started',
  'lockout_cleared',
  'captcha_failed',
  'registration_succeeded',
  'recovery_requested',
  'recovery_succeeded',
  'password_changed',
  'email_changed',
  'session_revoked',
] as const;
export type AuditEventName = (typeof AUDIT_EVENTS)[number];

export interface AuditInput {
  event: AuditEventName;
  identityId?: string | undefined;
  /** Plain identifier; hashed before it is written anywhere. */
  identifier?: string | undefined;
  clientAddress?: string | undefined;
  userAgent?: string | null | undefined;
  requestId?: string | undefined;
}

export interface AuditRecord {
  id: string;
  at: Date;
  event: AuditEventName;
  identityId: string | null;
  identifierHash: string | null;
  clientAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface AuditQuery {
  identityId?: string;
  identifier?: string;
  since?: Date;
  /** Only events after this id (`audit tail` polling). */
  afterId?: string;
  limit?: number;
}

/** User agents are client-chosen: bounded so one request cannot bloat every row. */
const MAX_USER_AGENT = 256;

/** An event as its store row (written alone, or in the statement that settles its attempt). */
export type AuditRow = Insertable<AuditEventsTable>;

export class AuditLog {
  private readonly writes = new BackgroundWrites();

  constructor(
    private readonly db: Kysely<EdgeStoreDatabase>,
    private readonly logger: Logger,
    private readonly hashKey: string,
    private readonly now: () => number,
  ) {}

  hashIdentifier(identifier: string): string {
    return createHmac('sha256', this.hashKey)
      .update(normaliseIdentifier(identifier))
      .digest('hex')
      .slice(0, 32);
  }

  /** The event's JSON line, written now, and its row for the caller to store. */
  entry(input: AuditInput): AuditRow {
    const row = {
      at: new Date(this.now()),
      event: input.event,
      identity_id: input.identityId ?? null,
      identifier_hash: input.identifier ? this.hashIdentifier(input.identifier) : null,
      client_address: input.clientAddress ?? null,
      user_agent: input.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      request_id: input.requestId ?? null,
    };
    this.logger.info('audit', { audit: true, ...row, at: row.at.toISOString() });
    return row;
  }

  record(input: AuditInput): Promise<void> {
    const row = this.entry(input);
    // Written off the response path: the JSON line is already out, and a store hiccup must not
    // fail the user's login. Readers (query, close) wait for what is still being written.
    this.later(this.db.insertInto('vestibule_audit_events').values(row).execute(), [row]);
    return Promise.resolve();
  }

  /**
   * A store write holding audit rows (an insert, or a settlement that inserts them in the same
   * statement) that nobody waits for; a failure is logged, and flush() waits for it.
   */
  later(write: Promise<unknown>, rows: readonly AuditRow[]): void {
    this.writes.track(write, (err) =>
      this.logger.error('audit event not stored', { event: rows.map((r) => r.event), err }),
    );
  }

  /**
   * Records an event whose details arrive later (the identity id of a browser login, learnt from
   * the session it set), off the response path like every write.
   */
  recordWhen(input: Promise<AuditInput>): void {
    this.later(
      input.then((value) => this.record(value)),
      [],
    );
  }

  /** Resolves once every event recorded so far is in the store. */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  async query(q: AuditQuery = {}): Promise<AuditRecord[]> {
    await this.flush();
    let query = this.db.selectFrom('vestibule_audit_events').selectAll();
    if (q.identityId) query = query.where('identity_id', '=', q.identityId);
    if (q.identifier)
      query = query.where('identifier_hash', '=', this.hashIdentifier(q.identifier));
    if (q.since) query = query.where('at', '>=', q.since);
    if (q.afterId) query = query.where('id', '>', q.afterId);
    const rows = await query
      .orderBy('id', 'asc')
      .limit(Math.min(q.limit ?? 1000, 10_000))
      .execute();
    return rows.map((r) => ({
      id: String(r.id),
      at: new Date(r.at),
      event: r.event as AuditEventName,
      identityId: r.identity_id,
      identifierHash: r.identifier_hash,
      clientAddress: r.client_address,
      userAgent: r.user_agent,
      requestId: r.request_id,
    }));
  }

  /** Deletes events older than the retention; returns how many went. */
  async prune(retentionMs: number): Promise<number> {
    await this.flush();
    const result = await this.db
      .deleteFrom('vestibule_audit_events')
      .where('at', '<', new Date(this.now() - retentionMs))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
