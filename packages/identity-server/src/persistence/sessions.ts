// Sessions. Only SHA-256 digests of the session and logout tokens are stored (types.ts).
import { sql } from 'kysely';
import type { Identity, Page, Session } from './types.ts';
import { toIdentity, type CredentialRow, type IdentityRow } from './identities.ts';
import { decodePageToken, encodePageToken, InvalidPageTokenError } from './page-token.ts';
import { iso, json, parseJSON, type DB } from './sql-helpers.ts';
import type { SessionsTable } from './tables.ts';

// Timestamps arrive as Date from typed columns, or as strings from row_to_json.
type SessionRow = Omit<
  SessionsTable,
  'issued_at' | 'authenticated_at' | 'expires_at' | 'created_at' | 'updated_at'
> &
  Record<
    'issued_at' | 'authenticated_at' | 'expires_at' | 'created_at' | 'updated_at',
    Date | string
  >;

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    identity_id: row.identity_id,
    active: row.active,
    token_hash: row.token_hash,
    logout_token_hash: row.logout_token_hash,
    authenticator_assurance_level: row.aal as Session['authenticator_assurance_level'],
    authentication_methods: parseJSON(row.authentication_methods),
    devices: parseJSON(row.devices),
    issued_at: iso(row.issued_at),
    authenticated_at: iso(row.authenticated_at),
    expires_at: iso(row.expires_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

function sessionRow(s: Session) {
  return {
    id: s.id,
    identity_id: s.identity_id,
    active: s.active,
    token_hash: s.token_hash,
    logout_token_hash: s.logout_token_hash,
    aal: s.authenticator_assurance_level,
    authentication_methods: json(s.authentication_methods),
    devices: json(s.devices),
    issued_at: s.issued_at,
    authenticated_at: s.authenticated_at,
    expires_at: s.expires_at,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

export async function createSession(db: DB, session: Session): Promise<void> {
  await db.insertInto('sessions').values(sessionRow(session)).execute();
}

export async function updateSession(db: DB, session: Session): Promise<void> {
  const { id, created_at: _created, ...changes } = sessionRow(session);
  await db.updateTable('sessions').set(changes).where('id', '=', id).execute();
}

const one = async (db: DB, column: 'id' | 'token_hash' | 'logout_token_hash', value: string) => {
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where(column, '=', value)
    .executeTakeFirst();
  return row ? toSession(row) : undefined;
};

export const getSession = (db: DB, id: string) => one(db, 'id', id);
export const getSessionByTokenHash = (db: DB, hash: string) => one(db, 'token_hash', hash);
export const getSessionByLogoutTokenHash = (db: DB, hash: string) =>
  one(db, 'logout_token_hash', hash);

/**
 * The session a token hash names together with its identity (credentials included), in ONE round
 * trip: every authenticated request (whoami above all) starts here, and on PGlite each query costs
 * a full protocol exchange on the single connection. The row comes back as one JSON text column —
 * decoding one text value is far cheaper than PGlite's per-column (timestamptz) parsing.
 */
export async function getSessionWithIdentityByTokenHash(
  db: DB,
  hash: string,
): Promise<{ session: Session; identity: Identity } | undefined> {
  const result = await sql<{ found: string }>`
    select json_build_object(
      'session', row_to_json(s),
      'identity', row_to_json(i),
      'credentials', (
        select coalesce(json_agg(c order by c.type), '[]'::json)
        from identity_credentials c where c.identity_id = i.id
      )
    )::text as found
    from sessions s join identities i on i.id = s.identity_id
    where s.token_hash = ${hash}`.execute(db);
  const text = result.rows[0]?.found;
  if (text === undefined) return undefined;
  const found = JSON.parse(text) as {
    session: SessionRow;
    identity: IdentityRow;
    credentials: CredentialRow[];
  };
  return {
    session: toSession(found.session),
    identity: toIdentity(found.identity, found.credentials),
  };
}

/** Newest first, as Kratos lists an identity's sessions. */
export async function listSessionsOfIdentity(
  db: DB,
  identityId: string,
  options: { active?: boolean } = {},
): Promise<Session[]> {
  let q = db
    .selectFrom('sessions')
    .selectAll()
    .where('identity_id', '=', identityId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc');
  if (options.active !== undefined) q = q.where('active', '=', options.active);
  return (await q.execute()).map(toSession);
}

/** Keyset pagination, newest first (created_at, id). */
export async function listSessions(
  db: DB,
  options: { page_size: number; page_token?: string; active?: boolean },
): Promise<Page<Session>> {
  let q = db
    .selectFrom('sessions')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.page_size + 1);
  if (options.active !== undefined) q = q.where('active', '=', options.active);
  if (options.page_token) {
    const key = decodePageToken(options.page_token, ['c', 'id']);
    if (Number.isNaN(Date.parse(key.c))) throw new InvalidPageTokenError();
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', new Date(key.c)),
        eb.and([eb('created_at', '=', new Date(key.c)), eb('id', '<', key.id)]),
      ]),
    );
  }
  const rows = (await q.execute()).map(toSession);
  const items = rows.slice(0, options.page_size);
  const last = items.at(-1);
  return rows.length > options.page_size && last
    ? { items, next_page_token: encodePageToken({ c: last.created_at, id: last.id }) }
    : { items };
}

export async function revokeSession(db: DB, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ active: false, updated_at: at })
    .where('id', '=', id)
    .where('active', '=', true)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteSessionsOfIdentity(db: DB, identityId: string): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('identity_id', '=', identityId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function revokeSessionsOfIdentity(
  db: DB,
  identityId: string,
  at: string,
  options: { exceptSessionId?: string } = {},
): Promise<number> {
  let q = db
    .updateTable('sessions')
    .set({ active: false, updated_at: at })
    .where('identity_id', '=', identityId)
    .where('active', '=', true);
  if (options.exceptSessionId) q = q.where('id', '!=', options.exceptSessionId);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
