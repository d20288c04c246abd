// The Persister (types.ts) over Kysely: PGlite in process or on disk, or PostgreSQL.
import type { Clock } from '../x/clock.ts';
import * as courier from './courier.ts';
import { openDatabase, type OpenedDatabase } from './database.ts';
import * as identities from './identities.ts';
import * as selfservice from './selfservice.ts';
import * as sessions from './sessions.ts';
import type { DB } from './sql-helpers.ts';
import type { Persister } from './types.ts';

const systemClock: Clock = { now: () => new Date() };

/**
 * Persister methods bound to `db`. Inside transaction(fn), use the `tx` persister fn receives:
 * PGlite has a single connection, so calling the outer persister from inside fn would wait forever.
 */
export function createSQLPersister(
  db: DB,
  options: { clock?: Clock; close?: () => Promise<void> } = {},
): Persister {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now().toISOString();
  const persister: Persister = {
    createIdentity: (identity) => identities.createIdentity(db, identity),
    updateIdentity: (identity) => identities.updateIdentity(db, identity),
    getIdentity: (id) => identities.getIdentity(db, id),
    findIdentityByCredentialIdentifier: (type, identifier) =>
      identities.findIdentityByCredentialIdentifier(db, type, identifier),
    listIdentities: (query) => identities.listIdentities(db, query),
    deleteIdentity: (id) => identities.deleteIdentity(db, id),

    createSession: (session) => sessions.createSession(db, session),
    getSession: (id) => sessions.getSession(db, id),
    getSessionByTokenHash: (hash) => sessions.getSessionByTokenHash(db, hash),
    getSessionWithIdentityByTokenHash: (hash) =>
      sessions.getSessionWithIdentityByTokenHash(db, hash),
    getSessionByLogoutTokenHash: (hash) => sessions.getSessionByLogoutTokenHash(db, hash),
    updateSession: (session) => sessions.updateSession(db, session),
    listSessionsOfIdentity: (identityId, o) => sessions.listSessionsOfIdentity(db, identityId, o),
    listSessions: (o) => sessions.listSessions(db, o),
    revokeSession: (id) => sessions.revokeSession(db, id, now()),
    revokeSessionsOfIdentity: (identityId, o) =>
      sessions.revokeSessionsOfIdentity(db, identityId, now(), o),
    deleteSessionsOfIdentity: (identityId) => sessions.deleteSessionsOfIdentity(db, identityId),

    createFlow: (flow) => selfservice.createFlow(db, flow),
    getFlow: (id) => selfservice.getFlow(db, id),
    updateFlow: (flow) => selfservice.updateFlow(db, flow),
    consumeFlow: (id, at) => selfservice.consumeFlow(db, id, at),
    createError: (record) => selfservice.createError(db, record),
    getError: (id) => selfservice.getError(db, id),

    createMessage: (message) => courier.createMessage(db, message),
    updateMessage: (message) => courier.updateMessage(db, message),
    getMessage: (id) => courier.getMessage(db, id),
    listMessages: (o) => courier.listMessages(db, o),

    transaction: (fn) =>
      db.isTransaction
        ? fn(persister)
        : db.transaction().execute((trx) => fn(createSQLPersister(trx, { clock }))),
    ping: async () => {
      await db.selectFrom('identities').select('id').limit(1).execute();
    },
    close: options.close ?? (async () => {}),
  };
  return persister;
}

export interface OpenPersisterOptions {
  clock?: Clock;
  log?: (level: 'warn', msg: string, fields?: Record<string, unknown>) => void;
}

/** Opens (and migrates) the database named by `dsn` and returns a Persister that owns it. */
export async function openPersister(
  dsn: string,
  options: OpenPersisterOptions = {},
): Promise<Persister & { kind: OpenedDatabase['kind'] }> {
  const opened = await openDatabase(dsn, {
    onIdleError: (err) =>
      options.log?.('warn', 'database: an idle connection failed; reconnecting on next use', {
        error: err.message,
      }),
  });
  let closed = false;
  const persister = createSQLPersister(opened.db, {
    ...(options.clock ? { clock: options.clock } : {}),
    close: async () => {
      if (closed) return;
      closed = true;
      await opened.close();
    },
  });
  return Object.assign(persister, { kind: opened.kind });
}
