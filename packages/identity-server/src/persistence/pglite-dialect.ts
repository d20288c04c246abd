// Kysely over PGlite, one protocol round trip per query, repeated statements prepared once. PGlite's own query() talks to its WASM
// backend six times per statement (Parse, Describe statement, Bind, Describe portal, Execute, Sync),
// each a separate call with its own message parsing; profiling whoami showed that overhead, not SQL,
// dominating. Here the five messages of the extended protocol go in ONE execProtocol() call: the
// statement is unnamed, parameters are sent as text with unspecified types (the server infers them
// from the statement — exactly the types PGlite's Describe would have reported), and the result is
// decoded with PGlite's own parseResults and type parsers, so rows look the same as from query().
//
// Parameters must be what our repositories pass: strings, numbers, bigints, booleans, Dates or null.
// Anything else is refused loudly rather than guessed at.
import { parse, protocol, types, type PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

function textParameter(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  throw new TypeError(`unsupported query parameter type: ${typeof value}`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Distinct statements kept prepared; beyond this, statements are parsed on every use. */
const MAX_PREPARED = 256;

class OneRoundTripConnection implements DatabaseConnection {
  /** SQL text → name of the server-side prepared statement (created by an earlier successful Parse). */
  readonly #prepared = new Map<string, string>();
  // Names are never reused: a batch whose Parse succeeded but whose Execute failed still created its
  // statement on the server, and reusing that name would fail with "already exists".
  #nextName = 0;

  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { serialize } = protocol;
    // Repeated statements (every whoami runs the same SQL text) are parsed and planned once: later
    // runs only Bind the named statement, and PostgreSQL's plan cache skips planning too. DDL runs
    // unprepared so a migration never leaves a stale plan behind.
    const known = this.#prepared.get(query.sql);
    const prepare =
      !known &&
      this.#prepared.size < MAX_PREPARED &&
      /^\s*(select|insert|update|delete|with)\b/i.test(query.sql);
    const name = known ?? (prepare ? `vestibule_${++this.#nextName}` : '');
    const message = concat([
      ...(known ? [] : [serialize.parse({ text: query.sql, name })]),
      serialize.bind({ statement: name, values: query.parameters.map(textParameter) }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    // runExclusive: nothing else may talk to the backend between our messages and their Sync.
    const { messages } = await this.pg.runExclusive(() => this.pg.execProtocol(message));
    // Only a Parse that succeeded created the statement (a failing one throws above).
    if (prepare) this.#prepared.set(query.sql, name);
    const result = parse.parseResults(messages, types.parsers)[0];
    const rows = (result?.rows ?? []) as R[];
    return result?.affectedRows ? { rows, numAffectedRows: BigInt(result.affectedRows) } : { rows };
  }

  // eslint-disable-next-line require-yield -- Kysely's interface; streaming is never used here.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on PGlite');
  }
}

/** One connection, handed out to one Kysely user at a time (PGlite is single-session). */
class SingleConnectionDriver implements Driver {
  readonly #connection: OneRoundTripConnection;
  #busy = false;
  readonly #waiting: Array<(c: DatabaseConnection) => void> = [];

  constructor(private readonly pg: PGlite) {
    this.#connection = new OneRoundTripConnection(pg);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve(this.#connection);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async releaseConnection(): Promise<void> {
    const next = this.#waiting.shift();
    if (next) next(this.#connection);
    else this.#busy = false;
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await conn.executeQuery(CompiledQuery.raw(`start transaction${isolation}`));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    await this.pg.close();
  }
}

export class OneRoundTripPGliteDialect implements Dialect {
  constructor(private readonly pg: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new SingleConnectionDriver(this.pg);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
