// Schema of the embedded OAuth2 server, created idempotently on open (one version so far).
import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.ts';

export async function migrate(db: Kysely<Database>): Promise<void> {
  await sql`create table if not exists oauth2_payloads (
    model text not null,
    id text not null,
    payload jsonb not null,
    grant_id text,
    user_code text,
    uid text,
    expires_at timestamptz,
    consumed_at timestamptz,
    primary key (model, id)
  )`.execute(db);
  await sql`create index if not exists oauth2_payloads_grant on oauth2_payloads (grant_id)`.execute(
    db,
  );
  await sql`create index if not exists oauth2_payloads_uid on oauth2_payloads (model, uid)`.execute(
    db,
  );
  await sql`create table if not exists hydra_consent_sessions (
    grant_id text primary key,
    subject text not null,
    client_id text not null,
    login_session_id text,
    granted_scope jsonb not null,
    granted_audience jsonb not null,
    session jsonb not null,
    remember boolean not null,
    remember_until timestamptz,
    handled_at timestamptz not null,
    request jsonb not null,
    revoked boolean not null default false
  )`.execute(db);
  await sql`create index if not exists hydra_consent_sessions_subject on hydra_consent_sessions (subject, client_id)`.execute(
    db,
  );
  await sql`create table if not exists hydra_jwk (
    set_id text not null,
    kid text not null,
    key jsonb not null,
    created_at timestamptz not null,
    primary key (set_id, kid)
  )`.execute(db);
}
