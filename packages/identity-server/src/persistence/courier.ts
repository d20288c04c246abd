// Courier messages (the outbox the courier worker drains and the admin API lists).
import type { Selectable } from 'kysely';
import type { CourierMessagesTable } from './tables.ts';
import type { CourierMessage, Page } from './types.ts';
import { decodePageToken, encodePageToken, InvalidPageTokenError } from './page-token.ts';
import { iso, json, parseJSON, type DB } from './sql-helpers.ts';

function messageRow(m: CourierMessage) {
  return {
    id: m.id,
    type: m.type,
    status: m.status,
    recipient: m.recipient,
    subject: m.subject,
    body: m.body,
    template_type: m.template_type,
    send_count: m.send_count,
    dispatches: json(m.dispatches),
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}

type MessageRow = Selectable<CourierMessagesTable>;

function toMessage(row: MessageRow): CourierMessage {
  return {
    id: row.id,
    type: row.type as CourierMessage['type'],
    status: row.status as CourierMessage['status'],
    recipient: row.recipient,
    subject: row.subject,
    body: row.body,
    template_type: row.template_type,
    send_count: row.send_count,
    dispatches: parseJSON(row.dispatches),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export async function createMessage(db: DB, message: CourierMessage): Promise<void> {
  await db.insertInto('courier_messages').values(messageRow(message)).execute();
}

export async function updateMessage(db: DB, message: CourierMessage): Promise<void> {
  const { id, created_at: _created, ...changes } = messageRow(message);
  await db.updateTable('courier_messages').set(changes).where('id', '=', id).execute();
}

export async function getMessage(db: DB, id: string): Promise<CourierMessage | undefined> {
  const row = await db
    .selectFrom('courier_messages')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toMessage(row) : undefined;
}

/** Newest first (insertion order), keyset on the insertion sequence. */
export async function listMessages(
  db: DB,
  options: {
    page_size: number;
    page_token?: string;
    status?: CourierMessage['status'];
    recipient?: string;
  },
): Promise<Page<CourierMessage>> {
  let q = db
    .selectFrom('courier_messages')
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(options.page_size + 1);
  if (options.status) q = q.where('status', '=', options.status);
  if (options.recipient) q = q.where('recipient', '=', options.recipient);
  if (options.page_token) {
    const { seq } = decodePageToken(options.page_token, ['seq']);
    if (!/^\d{1,15}$/.test(seq)) throw new InvalidPageTokenError();
    q = q.where('seq', '<', Number(seq));
  }
  const rows = await q.execute();
  const items = rows.slice(0, options.page_size);
  const last = items.at(-1);
  return rows.length > options.page_size && last
    ? { items: items.map(toMessage), next_page_token: encodePageToken({ seq: String(last.seq) }) }
    : { items: items.map(toMessage) };
}
