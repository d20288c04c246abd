// Several edges, one PostgreSQL: session events travel by LISTEN/NOTIFY, and each is also a row in
// `vestibule_session_events`, so an edge whose connection dropped catches up on what it missed
// when it reconnects — no home-made cluster protocol, only the database the edges already share.
//
// Fail-safe: while this edge cannot hear the others (not yet connected, or the connection dropped)
// its session cache is paused — every request asks Kratos — so a session revoked elsewhere is never
// served from a stale entry. Reconnecting catches up first, then lets the cache fill again.
//
// Connections come from the edge store's pool (store/): its migrations create the events table,
// and the LISTEN holds one of its clients for as long as it lives.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../lib/logger.ts';
import type { SessionCache } from '../session/cache.ts';
import type { SessionBus } from './bus.ts';
import { applySessionEvent, parseSessionEvent, type SessionEvent } from './events.ts';

const CHANNEL = 'vestibule_session_events';
const TABLE = 'vestibule_session_events';
/** Commit order is not id order, and clocks of two edges differ: catch up a little further back. */
const CATCH_UP_MARGIN = "interval '10 seconds'";

export interface PostgresSessionBusOptions {
  /** The edge store's pool (`EdgeStore.pool`), its migrations applied. */
  pool: pg.Pool;
  cache: SessionCache;
  logger: Logger;
  /** How long events stay in the table for catch-up. Default one hour. */
  retentionMs?: number;
  /** Waits between reconnect attempts; tests replace it to hold an edge disconnected. */
  sleep?: (ms: number) => Promise<void>;
  /** Sees every event applied from another edge (tests, metrics). */
  onRemoteEvent?: (event: SessionEvent, via: 'notify' | 'catch-up') => void;
}

export interface PostgresSessionBus extends SessionBus {
  /** True while this edge hears the others (its cache is in use). */
  readonly connected: boolean;
  /** Resolves once the first LISTEN is in place (or rejects if the first attempt failed). */
  readonly ready: Promise<void>;
}

export function createPostgresSessionBus(options: PostgresSessionBusOptions): PostgresSessionBus {
  const { pool, cache, logger } = options;
  const origin = randomUUID();
  const retentionMs = options.retentionMs ?? 3_600_000;
  const sleep = options.sleep ?? unrefSleep;

  let listener: pg.PoolClient | undefined;
  let connected = false;
  let closed = false;
  let reconnecting = false;
  /** The database's clock when the current LISTEN started: where the next catch-up begins. */
  let listeningSince: Date | undefined;

  cache.pause(); // nothing is cached until this edge hears the others

  const receive = (payload: string | undefined) => {
    let message: { o?: unknown; e?: unknown } | undefined;
    try {
      message = JSON.parse(payload ?? '') as typeof message;
    } catch {
      message = undefined;
    }
    const event = parseSessionEvent(message?.e);
    if (!event) return logger.warn('session bus: ignored a malformed notification');
    if (message?.o === origin) return; // applied here before it was published
    applySessionEvent(cache, event);
    options.onRemoteEvent?.(event, 'notify');
  };

  const catchUp = async (client: pg.PoolClient, since: Date) => {
    const { rows } = await client.query<{ event: unknown; origin: string }>(
      `SELECT event, origin FROM ${TABLE} WHERE created_at >= $1::timestamptz - ${CATCH_UP_MARGIN} ORDER BY id`,
      [since],
    );
    for (const row of rows) {
      const event = parseSessionEvent(row.event);
      if (!event || row.origin === origin) continue;
      applySessionEvent(cache, event);
      options.onRemoteEvent?.(event, 'catch-up');
    }
    return rows.length;
  };

  const lost = (client: pg.PoolClient, err?: unknown) => {
    if (listener !== client) return;
    listener = undefined;
    connected = false;
    cache.pause();
    discard(client);
    if (closed) return;
    logger.warn('session bus: lost the database connection; the session cache is paused', {
      code: 'SESSION_BUS_DISCONNECTED',
      err,
    });
    void reconnect();
  };

  const connect = async () => {
    const client = await pool.connect();
    // Until LISTEN and the catch-up are done, a failure is the caller's (it retries); after, `lost`.
    let established = false;
    client.on('error', (err) => (established ? lost(client, err) : undefined));
    client.on('end', () => (established ? lost(client) : undefined));
    client.on('notification', (message) => receive(message.payload));
    try {
      // Named apart from the pool's query connections (operators, and tests that cut it).
      await client.query(`SET application_name = 'vestibule-session-bus'`);
      await client.query(`LISTEN ${CHANNEL}`);
      const { rows } = await client.query<{ now: Date }>('SELECT now() AS now');
      // Events published after the last LISTEN was lost and before this one reach us only here.
      const missed = listeningSince ? await catchUp(client, listeningSince) : 0;
      const reconnected = listeningSince !== undefined;
      listeningSince = rows[0]!.now;
      if (closed) throw new Error('session bus closed');
      established = true;
      listener = client;
      connected = true;
      cache.resume();
      if (reconnected) logger.info('session bus: reconnected and caught up', { events: missed });
    } catch (err) {
      discard(client);
      throw err;
    }
  };

  const reconnect = async () => {
    if (reconnecting) return;
    reconnecting = true;
    for (let attempt = 0; !closed && !listener; attempt++) {
      await sleep(Math.min(100 * 2 ** attempt, 5_000));
      if (closed || listener) return;
      try {
        await connect();
      } catch (err) {
        logger.warn('session bus: reconnect failed', { attempt: attempt + 1, err });
      }
    }
    reconnecting = false;
  };

  const ready = connect();
  ready.catch((err: unknown) => {
    logger.error('session bus: cannot reach the store; every request asks Kratos until it can', {
      code: 'SESSION_BUS_DISCONNECTED',
      err,
    });
    void reconnect();
  });

  const prune = setInterval(
    () => {
      pool
        .query(`DELETE FROM ${TABLE} WHERE created_at < now() - $1 * interval '1 millisecond'`, [
          retentionMs,
        ])
        .catch((err: unknown) => logger.warn('session bus: pruning failed', { err }));
    },
    Math.min(retentionMs, 600_000),
  );
  prune.unref();

  return {
    get connected() {
      return connected;
    },
    ready,
    async announce(event) {
      try {
        // One statement, one transaction: the row and the notification commit together.
        await pool.query(
          `WITH e AS (INSERT INTO ${TABLE} (event, origin) VALUES ($1, $2) RETURNING id)
           SELECT pg_notify('${CHANNEL}', json_build_object('o', $2::text, 'e', $1::jsonb)::text) FROM e`,
          [JSON.stringify(event), origin],
        );
      } catch (err) {
        logger.error('session bus: an ended session could not be announced to the other edges', {
          code: 'SESSION_BUS_PUBLISH_FAILED',
          kind: event.kind,
          err,
        });
      }
    },
    async close() {
      closed = true;
      clearInterval(prune);
      const client = listener;
      listener = undefined;
      connected = false;
      // The pool is the store's, closed with it; only the LISTEN client is this bus's.
      if (client) discard(client);
    },
  };
}

/** A LISTEN client is never given back for queries: destroyed, its session (and LISTEN) ended. */
function discard(client: pg.PoolClient): void {
  client.removeAllListeners('notification');
  client.removeAllListeners('end');
  client.removeAllListeners('error');
  // A late error from the closing socket must not crash the edge.
  client.on('error', () => {});
  try {
    client.release(true);
  } catch {
    // Already released (an 'error' and an 'end' for one loss).
  }
}

function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
