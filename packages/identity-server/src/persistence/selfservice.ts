// Self-service flows and self-service errors.
import type { FlowRecord, SelfServiceErrorRecord } from './types.ts';
import { iso, isoOrUndefined, json, parseJSON, type DB } from './sql-helpers.ts';

export async function createFlow(db: DB, flow: FlowRecord): Promise<void> {
  await db
    .insertInto('selfservice_flows')
    .values({
      id: flow.id,
      kind: flow.kind,
      type: flow.type,
      expires_at: flow.expires_at,
      csrf_token: flow.csrf_token,
      identity_id: flow.identity_id ?? null,
      session_id: flow.session_id ?? null,
      consumed_at: flow.consumed_at ?? null,
      internal: json(flow.internal),
      body: json(flow.body),
    })
    .execute();
}

/** Everything but consumed_at, which only consumeFlow sets (once, atomically). */
export async function updateFlow(db: DB, flow: FlowRecord): Promise<void> {
  await db
    .updateTable('selfservice_flows')
    .set({
      kind: flow.kind,
      type: flow.type,
      expires_at: flow.expires_at,
      csrf_token: flow.csrf_token,
      identity_id: flow.identity_id ?? null,
      session_id: flow.session_id ?? null,
      internal: json(flow.internal),
      body: json(flow.body),
    })
    .where('id', '=', flow.id)
    .execute();
}

export async function getFlow(db: DB, id: string): Promise<FlowRecord | undefined> {
  const row = await db
    .selectFrom('selfservice_flows')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const flow: FlowRecord = {
    id: row.id,
    kind: row.kind as FlowRecord['kind'],
    type: row.type as FlowRecord['type'],
    expires_at: iso(row.expires_at),
    csrf_token: row.csrf_token,
    internal: parseJSON(row.internal),
    body: parseJSON(row.body),
  };
  if (row.identity_id !== null) flow.identity_id = row.identity_id;
  if (row.session_id !== null) flow.session_id = row.session_id;
  const consumed = isoOrUndefined(row.consumed_at);
  if (consumed) flow.consumed_at = consumed;
  return flow;
}

/**
 * UPDATE … WHERE consumed_at IS NULL RETURNING: PostgreSQL row locking lets exactly one of any
 * number of concurrent submits win; the others see the row already consumed.
 */
export async function consumeFlow(db: DB, id: string, at: string): Promise<boolean> {
  const row = await db
    .updateTable('selfservice_flows')
    .set({ consumed_at: at })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function createError(db: DB, record: SelfServiceErrorRecord): Promise<void> {
  await db
    .insertInto('selfservice_errors')
    .values({
      id: record.id,
      error: json(record.error),
      created_at: record.created_at,
      updated_at: record.updated_at,
    })
    .execute();
}

export async function getError(db: DB, id: string): Promise<SelfServiceErrorRecord | undefined> {
  const row = await db
    .selectFrom('selfservice_errors')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row
    ? {
        id: row.id,
        error: parseJSON(row.error),
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
      }
    : undefined;
}
