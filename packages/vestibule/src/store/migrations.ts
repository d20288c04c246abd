// The edge store's schema as Kysely migrations in code, tracked in their own table so the store can
// share a database with the app's `profiles` (provisioning/) or run beside other edges.
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export const EDGE_MIGRATION_TABLE = 'vestibule_edge_migrations';
export const EDGE_MIGRATION_LOCK_TABLE = 'vestibule_edge_migrations_lock';

const migrations: Record<string, Migration> = {
  '2026-12-07-001-attempt-counters': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vestibule_attempt_counters')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('failures', sql`timestamptz[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('reserved', sql`timestamptz[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('locked_until', 'timestamptz')
        .addColumn('lock_level', 'integer', (c) => c.notNull().defaultTo(0))
        // What the last write decided (read back through RETURNING: one statement, no race).
        .addColumn('last_allowed', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('last_locked', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('vestibule_attempt_counters_pk', ['scope', 'key'])
        .execute();
      await db.schema
        .createIndex('vestibule_attempt_counters_updated_idx')
        .on('vestibule_attempt_counters')
        .column('updated_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('vestibule_attempt_counters').execute();
    },
  },
  '2026-12-07-002-audit-events': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vestibule_audit_events')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('identity_id', 'text')
        .addColumn('identifier_hash', 'text')
        .addColumn('client_address', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('request_id', 'text')
        .execute();
      await db.schema
        .createIndex('vestibule_audit_events_at_idx')
        .on('vestibule_audit_events')
        .column('at')
        .execute();
      await db.schema
        .createIndex('vestibule_audit_events_identity_idx')
        .on('vestibule_audit_events')
        .columns(['identity_id', 'at'])
        .execute();
      await db.schema
        .createTable('vestibule_store_meta')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('vestibule_store_meta').execute();
      await db.schema.dropTable('vestibule_audit_events').execute();
    },
  },
  // The counters' two decisions as functions: one call per decision, the row locked for its
  // duration (so edges on one PostgreSQL serialise on it), and plans PostgreSQL keeps between calls
  // instead of parsing a long statement on every login.
  '2026-12-07-003-attempt-functions': {
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE OR REPLACE FUNCTION vestibule_attempt_reserve(
          p_scope text, p_key text, p_now timestamptz,
          p_window_ms double precision, p_ttl_ms double precision, p_max integer)
        RETURNS TABLE(o_allowed boolean, o_failures integer, o_locked_until timestamptz,
          o_oldest_failure timestamptz)
        LANGUAGE plpgsql AS $fn$
        DECLARE
          r record;
          f timestamptz[];
          res timestamptz[];
          ok boolean;
        BEGIN
          SELECT c.failures, c.reserved, c.locked_until INTO r FROM vestibule_attempt_counters c
            WHERE c.scope = p_scope AND c.key = p_key FOR UPDATE;
          IF NOT FOUND THEN
            -- A first attempt: whichever of two racing callers inserts, both then lock that row.
            INSERT INTO vestibule_attempt_counters (scope, key, updated_at)
              VALUES (p_scope, p_key, p_now) ON CONFLICT (scope, key) DO NOTHING;
            SELECT c.failures, c.reserved, c.locked_until INTO r FROM vestibule_attempt_counters c
              WHERE c.scope = p_scope AND c.key = p_key FOR UPDATE;
          END IF;
          f := ARRAY(SELECT x FROM unnest(r.failures) x
            WHERE x > p_now - p_window_ms * interval '1 millisecond');
          res := ARRAY(SELECT x FROM unnest(r.reserved) x
            WHERE x > p_now - p_ttl_ms * interval '1 millisecond');
          ok := (r.locked_until IS NULL OR r.locked_until <= p_now)
            AND cardinality(f) + cardinality(res) < p_max;
          IF ok THEN res := res || p_now; END IF;
          UPDATE vestibule_attempt_counters c SET failures = f, reserved = res, last_allowed = ok,
            last_locked = false, updated_at = p_now
            WHERE c.scope = p_scope AND c.key = p_key;
          o_allowed := ok;
          o_failures := cardinality(f);
          o_locked_until := r.locked_until;
          o_oldest_failure := (SELECT min(x) FROM unnest(f) x);
          RETURN NEXT;
        END
        $fn$`.execute(db);
      await sql`
        CREATE OR REPLACE FUNCTION vestibule_attempt_settle(
          p_scope text, p_key text, p_now timestamptz, p_outcome text,
          p_window_ms double precision, p_ttl_ms double precision, p_max integer,
          p_lock_ms double precision, p_max_lock_ms double precision)
        RETURNS timestamptz
        LANGUAGE plpgsql AS $fn$
        DECLARE
          r record;
          f timestamptz[];
          res timestamptz[];
          lvl integer;
          starts boolean := false;
          lock_end timestamptz;
        BEGIN
          SELECT c.failures, c.reserved, c.locked_until, c.lock_level INTO r
            FROM vestibule_attempt_counters c
            WHERE c.scope = p_scope AND c.key = p_key FOR UPDATE;
          IF NOT FOUND THEN RETURN NULL; END IF;
          res := (ARRAY(SELECT x FROM unnest(r.reserved) x
            WHERE x > p_now - p_ttl_ms * interval '1 millisecond'))[2:];
          f := ARRAY(SELECT x FROM unnest(r.failures) x
            WHERE x > p_now - p_window_ms * interval '1 millisecond');
          IF p_outcome = 'success' THEN
            f := '{}';
          ELSIF p_outcome = 'failure' AND (r.locked_until IS NULL OR r.locked_until <= p_now) THEN
            f := f || p_now;
            IF p_lock_ms > 0 AND cardinality(f) >= p_max THEN
              starts := true;
              -- A lock long after the last one starts again at the base duration.
              lvl := CASE WHEN r.locked_until IS NULL
                OR r.locked_until < p_now - p_max_lock_ms * interval '1 millisecond'
                THEN 0 ELSE r.lock_level END;
              lock_end := p_now + LEAST(p_lock_ms * power(2, lvl), p_max_lock_ms)
                * interval '1 millisecond';
              f := '{}';
            END IF;
          END IF;
          UPDATE vestibule_attempt_counters c SET failures = f, reserved = res,
            locked_until = CASE WHEN starts THEN lock_end ELSE c.locked_until END,
            lock_level = CASE WHEN starts THEN lvl + 1 ELSE c.lock_level END,
            last_locked = starts, updated_at = p_now
            WHERE c.scope = p_scope AND c.key = p_key;
          RETURN CASE WHEN starts THEN lock_end END;
        END
        $fn$`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`DROP FUNCTION IF EXISTS vestibule_attempt_settle`.execute(db);
      await sql`DROP FUNCTION IF EXISTS vestibule_attempt_reserve`.execute(db);
    },
  },
  // The tables of the other parts several edges share through this store (issue 15): the session
  // bus's event log and rate-limiter-flexible's counters. IF NOT EXISTS: edges before this migration
  // created them themselves, with the same columns.
  '2026-12-07-004-session-events-rate-limits': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vestibule_session_events')
        .ifNotExists()
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('event', 'jsonb', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createIndex('vestibule_session_events_created_at')
        .ifNotExists()
        .on('vestibule_session_events')
        .column('created_at')
        .execute();
      // The columns rate-limiter-flexible's PostgreSQL limiter reads and writes.
      await db.schema
        .createTable('vestibule_rate_limits')
        .ifNotExists()
        .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expire', 'bigint')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('vestibule_rate_limits').ifExists().execute();
      await db.schema.dropTable('vestibule_session_events').ifExists().execute();
    },
  },
  // The same two decisions, cheaper per call (issue 12's bench): the sliding logs are filtered by
  // plpgsql loops, evaluated as plain expressions, instead of a nested SELECT … unnest per array,
  // each a query of its own inside the call (interleaved probe on PGlite: reservation p50 −7 %).
  '2026-12-07-005-attempt-functions-loops': {
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE OR REPLACE FUNCTION vestibule_attempt_reserve(
          p_scope text, p_key text, p_now timestamptz,
          p_window_ms double precision, p_ttl_ms double precision, p_max integer)
        RETURNS TABLE(o_allowed boolean, o_failures integer, o_locked_until timestamptz,
          o_oldest_failure timestamptz)
        LANGUAGE plpgsql AS $fn$
        DECLARE
          r record;
          x timestamptz;
          f timestamptz[] := '{}';
          res timestamptz[] := '{}';
          f_cut timestamptz := p_now - p_window_ms * interval '1 millisecond';
          res_cut timestamptz := p_now - p_ttl_ms * interval '1 millisecond';
          oldest timestamptz;
          ok boolean;
        BEGIN
          SELECT c.failures, c.reserved, c.locked_until INTO r FROM vestibule_attempt_counters c
            WHERE c.scope = p_scope AND c.key = p_key FOR UPDATE;
          IF NOT FOUND THEN
            -- A first attempt: whichever of two racing callers inserts, both then lock that row.
            INSERT INTO vestibule_attempt_counters (scope, key, updated_at)
              VALUES (p_scope, p_key, p_now) ON CONFLICT (scope, key) DO NOTHING;
            SELECT c.failures, c.reserved, c.locked_until INTO r FROM vestibule_attempt_counters c
              WHERE c.scope = p_scope AND c.key = p_key FOR UPDATE;
          END IF;
          FOREACH x IN ARRAY r.failures LOOP
            IF x > f_cut THEN
              f := f || x;
              IF oldest IS NULL OR x < oldest THEN oldest := x; END IF;
            END IF;
          END LOOP;
          FOREACH x IN ARRAY r.reserved LOOP
            IF x > res_cut THEN res := res || x; END IF;
          END LOOP;
          ok := (r.locked_until IS NULL OR r.locked_until <= p_now)
            AND cardinality(f) + cardinality(res) < p_max;
          IF ok THEN res := res || p_now; END IF;
          UPDATE vestibule_attempt_counters c SET failures = f, reserved = res, last_allowed = ok,
            last_locked = false, updated_at = p_now
            WHERE c.scope = p_scope AND c.key = p_key;
          o_allowed := ok;
          o_failures := cardinality(f);
          o_locked_until := r.locked_until;
          o_oldest_failure := oldest;
          RETURN NEXT;
        END
        $fn$`.execute(db);
      await sql`
        CREATE OR REPLACE FUNCTION vestibule_attempt_settle(
          p_scope text, p_key text, p_now timestamptz, p_outcome text,
          p_window_ms double precision, p_ttl_ms double precision, p_max integer,
          p_lock_ms double precision, p_max_lock_ms double precision)
        RETURNS timestamptz
        LANGUAGE plpgsql AS $fn$
        DECLARE
          r record;
          x timestamptz;
          f timestamptz[] := '{}';
          res timestamptz[] := '{}';
          f_cut timestamptz := p_now - p_window_ms * interval '1 millisecond';
          res_cut timestamptz := p_now - p_ttl_ms * interval '1 millisecond';
          released boolean := false;
          lvl integer;
          starts boolean := false;
          lock_end timestamptz;
        BEGIN
          SELECT c.failures, c.reserved, c.locked_until, c.lock_level INTO r
            FROM vestibule_attempt_counters c
            WHERE c.scope = p_scope AND c.key = p_key FOR UPDATE;
          IF NOT FOUND THEN RETURN NULL; END IF;
          -- Releases one live reservation (the oldest, as migration 003 did) and keeps the others.
          FOREACH x IN ARRAY r.reserved LOOP
            IF x > res_cut THEN
              IF released THEN res := res || x; ELSE released := true; END IF;
            END IF;
          END LOOP;
          IF p_outcome <> 'success' THEN
            FOREACH x IN ARRAY r.failures LOOP
              IF x > f_cut THEN f := f || x; END IF;
            END LOOP;
          END IF;
          IF p_outcome = 'failure' AND (r.locked_until IS NULL OR r.locked_until <= p_now) THEN
            f := f || p_now;
            IF p_lock_ms > 0 AND cardinality(f) >= p_max THEN
              starts := true;
              -- A lock long after the last one starts again at the base duration.
              lvl := CASE WHEN r.locked_until IS NULL
                OR r.locked_until < p_now - p_max_lock_ms * interval '1 millisecond'
                THEN 0 ELSE r.lock_level END;
              lock_end := p_now + LEAST(p_lock_ms * power(2, lvl), p_max_lock_ms)
                * interval '1 millisecond';
              f := '{}';
            END IF;
          END IF;
          UPDATE vestibule_attempt_counters c SET failures = f, reserved = res,
            locked_until = CASE WHEN starts THEN lock_end ELSE c.locked_until END,
            lock_level = CASE WHEN starts THEN lvl + 1 ELSE c.lock_level END,
            last_locked = starts, updated_at = p_now
            WHERE c.scope = p_scope AND c.key = p_key;
          RETURN CASE WHEN starts THEN lock_end END;
        END
        $fn$`.execute(db);
    },
    // Migration 003's definitions come back when this one is undone.
    async down(db: Kysely<unknown>) {
      await migrations['2026-12-07-003-attempt-functions']!.up(db);
    },
  },
  // Which identifier's first factor an aal1 session came from (protection/second-factor-sessions.ts):
  // second-factor guesses are counted per identifier, not per session (issue 12).
  '2026-12-07-006-second-factor-sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vestibule_second_factor_sessions')
        .addColumn('credential_hash', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('vestibule_second_factor_sessions_expires_idx')
        .on('vestibule_second_factor_sessions')
        .column('expires_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('vestibule_second_factor_sessions').execute();
    },
  },
};

export const edgeMigrations: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};
