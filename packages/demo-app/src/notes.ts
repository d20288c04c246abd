// Notes of one owner. Every query is scoped by owner_id: another user's note id is simply "not found".
import type { Kysely } from 'kysely';
import type { DemoTables } from './db.ts';

export interface Note {
  id: string;
  title: string;
  body: string;
  created_at: string;
  updated_at: string;
}

export const TITLE_MAX = 200;
export const BODY_MAX = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class NoteInputError extends Error {}

export function validateNoteInput(input: { title?: unknown; body?: unknown }): {
  title: string;
  body: string;
} {
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  const body = typeof input.body === 'string' ? input.body : '';
  if (!title) throw new NoteInputError('A title is required.');
  if (title.length > TITLE_MAX)
    throw new NoteInputError(`The title is longer than ${TITLE_MAX} characters.`);
  if (body.length > BODY_MAX)
    throw new NoteInputError(`The note is longer than ${BODY_MAX} characters.`);
  return { title, body };
}

export function createNotes(db: Kysely<DemoTables>) {
  const toNote = (row: {
    id: string;
    title: string;
    body: string;
    created_at: Date;
    updated_at: Date;
  }): Note => ({
    id: row.id,
    title: row.title,
    body: row.body,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  });
  const columns = ['id', 'title', 'body', 'created_at', 'updated_at'] as const;
  return {
    async list(ownerId: string): Promise<Note[]> {
      const rows = await db
        .selectFrom('notes')
        .select(columns)
        .where('owner_id', '=', ownerId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toNote);
    },
    async get(ownerId: string, id: string): Promise<Note | undefined> {
      if (!UUID.test(id)) return undefined;
      const row = await db
        .selectFrom('notes')
        .select(columns)
        .where('owner_id', '=', ownerId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toNote(row);
    },
    async create(ownerId: string, input: { title?: unknown; body?: unknown }): Promise<Note> {
      const values = validateNoteInput(input);
      const row = await db
        .insertInto('notes')
        .values({ owner_id: ownerId, ...values })
        .returning(columns)
        .executeTakeFirstOrThrow();
      return toNote(row);
    },
    async update(
      ownerId: string,
      id: string,
      input: { title?: unknown; body?: unknown },
    ): Promise<Note | undefined> {
      if (!UUID.test(id)) return undefined;
      const values = validateNoteInput(input);
      const row = await db
        .updateTable('notes')
        .set({ ...values, updated_at: new Date() })
        .where('owner_id', '=', ownerId)
        .where('id', '=', id)
        .returning(columns)
        .executeTakeFirst();
      return row && toNote(row);
    },
    async remove(ownerId: string, id: string): Promise<boolean> {
      if (!UUID.test(id)) return false;
      const result = await db
        .deleteFrom('notes')
        .where('owner_id', '=', ownerId)
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type NotesRepository = ReturnType<typeof createNotes>;
