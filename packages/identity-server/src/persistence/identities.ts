// Identities with their credentials. Credential identifiers live in their own table with a unique
// (type, lower(identifier)) index: that index, not a read-then-write check, decides duplicates.
import { sql } from 'kysely';
import type { Credential, Identity, ListIdentitiesQuery, Page } from './types.ts';
import { DuplicateCredentialsError } from './types.ts';
import { decodePageToken, encodePageToken } from './page-token.ts';
import { atomically, iso, isoOrUndefined, json, parseJSON, type DB } from './sql-helpers.ts';
import type { CredentialsTable, IdentitiesTable } from './tables.ts';

// Timestamps arrive as Date from typed columns, or as strings from row_to_json (sessions.ts).
export type IdentityRow = Omit<
  IdentitiesTable,
  'created_at' | 'updated_at' | 'state_changed_at'
> & {
  created_at: Date | string;
  updated_at: Date | string;
  state_changed_at: Date | string | null;
};
export type CredentialRow = Omit<CredentialsTable, 'created_at' | 'updated_at'> & {
  created_at: Date | string;
  updated_at: Date | string;
};

export function toIdentity(row: IdentityRow, credentials: CredentialRow[]): Identity {
  const identity: Identity = {
    id: row.id,
    schema_id: row.schema_id,
    state: row.state as Identity['state'],
    traits: parseJSON(row.traits),
    verifiable_addresses: parseJSON(row.verifiable_addresses),
    recovery_addresses: parseJSON(row.recovery_addresses),
    metadata_public: parseJSON(row.metadata_public),
    metadata_admin: parseJSON(row.metadata_admin),
    credentials: {},
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
  const changed = isoOrUndefined(row.state_changed_at);
  if (changed) identity.state_changed_at = changed;
  for (const c of credentials) {
    identity.credentials[c.type as Credential['type']] = {
      type: c.type as Credential['type'],
      identifiers: parseJSON(c.identifiers),
      config: parseJSON(c.config),
      version: c.version,
      created_at: iso(c.created_at),
      updated_at: iso(c.updated_at),
    };
  }
  return identity;
}

function identityRow(i: Identity) {
  return {
    id: i.id,
    schema_id: i.schema_id,
    state: i.state,
    state_changed_at: i.state_changed_at ?? null,
    traits: json(i.traits),
    verifiable_addresses: json(i.verifiable_addresses),
    recovery_addresses: json(i.recovery_addresses),
    metadata_public: i.metadata_public === null ? null : json(i.metadata_public),
    metadata_admin: i.metadata_admin === null ? null : json(i.metadata_admin),
    created_at: i.created_at,
    updated_at: i.updated_at,
  };
}

async function writeCredentials(db: DB, identity: Identity): Promise<void> {
  await db.deleteFrom('identity_credentials').where('identity_id', '=', identity.id).execute();
  await db
    .deleteFrom('identity_credential_identifiers')
    .where('identity_id', '=', identity.id)
    .execute();
  for (const credential of Object.values(identity.credentials)) {
    if (!credential) continue;
    await db
      .insertInto('identity_credentials')
      .values({
        identity_id: identity.id,
        type: credential.type,
        identifiers: json(credential.identifiers),
        config: json(credential.config),
        version: credential.version,
        created_at: credential.created_at,
        updated_at: credential.updated_at,
      })
      .execute();
    for (const identifier of new Set(credential.identifiers)) {
      // ON CONFLICT DO NOTHING: a taken identifier inserts no row instead of aborting the
      // transaction, and tells us exactly which identifier is the duplicate.
      const inserted = await db
        .insertInto('identity_credential_identifiers')
        .values({ identity_id: identity.id, type: credential.type, identifier })
        .onConflict((oc) => oc.doNothing())
        .returning('identifier')
        .executeTakeFirst();
      if (!inserted) throw new DuplicateCredentialsError(identifier);
    }
  }
}

export async function createIdentity(db: DB, identity: Identity): Promise<void> {
  await atomically(db, async (trx) => {
    await trx.insertInto('identities').values(identityRow(identity)).execute();
    await writeCredentials(trx, identity);
  });
}

export async function updateIdentity(db: DB, identity: Identity): Promise<void> {
  await atomically(db, async (trx) => {
    const { id, created_at: _created, ...changes } = identityRow(identity);
    const result = await trx
      .updateTable('identities')
      .set(changes)
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new Error(`identity ${id} does not exist`);
    await writeCredentials(trx, identity);
  });
}

async function withCredentials(db: DB, rows: IdentityRow[]): Promise<Identity[]> {
  if (rows.length === 0) return [];
  const credentials = await db
    .selectFrom('identity_credentials')
    .selectAll()
    .where(
      'identity_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('type')
    .execute();
  return rows.map((row) =>
    toIdentity(
      row,
      credentials.filter((c) => c.identity_id === row.id),
    ),
  );
}

export async function getIdentity(db: DB, id: string): Promise<Identity | undefined> {
  const row = await db.selectFrom('identities').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await withCredentials(db, [row]))[0] : undefined;
}

export async function findIdentityByCredentialIdentifier(
  db: DB,
  type: Credential['type'],
  identifier: string,
): Promise<Identity | undefined> {
  const match = await db
    .selectFrom('identity_credential_identifiers')
    .select('identity_id')
    .where('type', '=', type)
    .where(sql<string>`lower(identifier)`, '=', identifier.toLowerCase())
    .executeTakeFirst();
  return match ? getIdentity(db, match.identity_id) : undefined;
}

/** Keyset pagination ordered by id, as Kratos pages identities. */
export async function listIdentities(db: DB, query: ListIdentitiesQuery): Promise<Page<Identity>> {
  let q = db
    .selectFrom('identities')
    .selectAll()
    .orderBy('id')
    .limit(query.page_size + 1);
  if (query.page_token) q = q.where('id', '>', decodePageToken(query.page_token, ['id']).id);
  if (query.ids?.length) q = q.where('id', 'in', query.ids);
  if (query.credentials_identifier !== undefined) {
    const wanted = query.credentials_identifier.toLowerCase();
    q = q.where('id', 'in', (sub) =>
      sub
        .selectFrom('identity_credential_identifiers')
        .select('identity_id')
        .where(sql<string>`lower(identifier)`, '=', wanted),
    );
  }
  const rows = await q.execute();
  const items = await withCredentials(db, rows.slice(0, query.page_size));
  return rows.length > query.page_size
    ? { items, next_page_token: encodePageToken({ id: items.at(-1)!.id }) }
    : { items };
}

export async function deleteIdentity(db: DB, id: string): Promise<boolean> {
  const result = await db.deleteFrom('identities').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
