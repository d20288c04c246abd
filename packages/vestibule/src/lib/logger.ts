// Structured JSON logs, one line per event: `{ level, time, ...base, ...fields, msg }`, `time` in ISO
// 8601 and `level` by name. Built on pino. By default lines go to stderr through one shared
// buffered destination: lines are queued and written 12 KB at a time in one write() — a synchronous
// stderr write per access line cost the edge about half its throughput. What is still queued is
// written every 250 ms, by `flushLogs()` (the edge's shutdown) and when the process exits, fatal
// errors included (test/lib/logger.test.ts holds it to it). The level can change while the process
// runs (setLogLevel; `vestibule serve` steps it on SIGUSR2), for a logger and all its children.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const levels: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Default: VESTIBULE_LOG_LEVEL, else `info`. */
  level?: LogLevel;
  /** Receives each line (without its newline), synchronously. Default: buffered stderr. */
  write?: (line: string) => void;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? envLevel() ?? 'info';
  if (!levels.has(level)) throw new TypeError(`unknown log level: ${String(level)}`);
  const destination: DestinationStream = options.write
    ? { write: lineWriter(options.write) }
    : sharedStderr();
  const root = pino(
    {
      // pino writes whatever reaches it; the level is decided in front of it (LevelControl), once
      // for the logger and every child, so it can change while the process runs (setLogLevel).
      level: 'debug',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors anywhere in the fields: the client-safe summary, never a stack or a request body.
      serializers: { err: errorFields, error: errorFields, cause: errorFields },
    },
    destination,
  );
  const control: LevelControl = { level, rank: RANK[level], root, destination };
  return wrap(
    options.base && Object.keys(options.base).length ? root.child(options.base) : root,
    control,
  );
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * The level a logger and all its children share. pino's children copy their parent's level when
 * made and never follow it after; the edge makes children at start and per request, so a level
 * changed at run time lives here, checked before pino is called.
 */
interface LevelControl {
  level: LogLevel;
  rank: number;
  readonly root: PinoLogger;
  readonly destination: DestinationStream;
}

// The pino instance and level behind a Logger made here: accessLineWriter() writes to its
// destination, setLogLevel() changes the level.
const PINO = Symbol('pino');
const CONTROL = Symbol('level');

function wrap(logger: PinoLogger, control: LevelControl): Logger {
  const wrapped: Logger = {
    debug: (msg, fields) => {
      if (control.rank > RANK.debug) return;
      if (fields) logger.debug(fields, msg);
      else logger.debug(msg);
    },
    info: (msg, fields) => {
      if (control.rank > RANK.info) return;
      if (fields) logger.info(fields, msg);
      else logger.info(msg);
    },
    warn: (msg, fields) => {
      if (control.rank > RANK.warn) return;
      if (fields) logger.warn(fields, msg);
      else logger.warn(msg);
    },
    error: (msg, fields) => (fields ? logger.error(fields, msg) : logger.error(msg)),
    child: (fields) => wrap(logger.child(fields), control),
  };
  Object.defineProperty(wrapped, PINO, { value: logger });
  Object.defineProperty(wrapped, CONTROL, { value: control });
  return wrapped;
}

function controlOf(logger: Logger): LevelControl | undefined {
  return (logger as { [CONTROL]?: LevelControl })[CONTROL];
}

/** The current level of a logger made by createLogger() (shared with its children), else undefined. */
export function logLevelOf(logger: Logger): LogLevel | undefined {
  return controlOf(logger)?.level;
}

/**
 * Changes the level of a logger made by createLogger(), its children included, at once. The change
 * itself is always logged — one info line `log level changed` with `from`, `to` and `fields`,
 * written whatever either level is and flushed at once — so an operator sees it land. Returns the
 * level it replaced; undefined (and nothing changes) for a Logger not made by createLogger().
 * @example `setLogLevel(logger, 'debug', { signal: 'SIGUSR2' })`
 */
export function setLogLevel(
  logger: Logger,
  level: LogLevel,
  fields: Record<string, unknown> = {},
): LogLevel | undefined {
  const control = controlOf(logger);
  if (!control) return undefined;
  if (!levels.has(level)) throw new TypeError(`unknown log level: ${String(level)}`);
  const from = control.level;
  control.level = level;
  control.rank = RANK[level];
  control.root.info({ ...fields, from, to: level }, 'log level changed');
  if (control.destination === stderr) flushSync(stderr);
  return from;
}

/** One request's access line: `{ level, time, …bindings, request_id, method, path, status, duration_ms, msg: "request" }`. */
export interface AccessLine {
  requestId: string;
  method: string;
  /** The path only: a query string can carry flow ids and logout tokens. */
  path: string;
  status: number;
  durationMs: number;
}

/**
 * Writes access lines for `logger` at info level. The edge writes one per request, and pino's
 * general serialisation (walking the fields object, serializer lookups, escaping every string, a
 * Date per line) was most of the logging cost: profiled at ~16 % of the edge's throughput. The
 * line's shape is fixed, so it is put together here — the same JSON pino writes for
 * `info('request', fields)`, through the same destination (ordering, buffering and the exit flush
 * unchanged); test/lib/logger.test.ts holds the two to the same output. A Logger not made by
 * createLogger() gets a plain info() call.
 */
export function accessLineWriter(logger: Logger): (line: AccessLine) => void {
  const pinoLogger = (logger as { [PINO]?: PinoLogger })[PINO];
  const control = controlOf(logger);
  if (!pinoLogger || !control) {
    return (line) =>
      logger.info('request', {
        request_id: line.requestId,
        method: line.method,
        path: line.path,
        status: line.status,
        duration_ms: line.durationMs,
      });
  }
  const symbols = pino.symbols as unknown as Record<'streamSym' | 'chindingsSym', symbol>;
  const internals = pinoLogger as unknown as Record<symbol, unknown>;
  const stream = internals[symbols.streamSym] as DestinationStream;
  const bindings = internals[symbols.chindingsSym] as string;
  return (line) => {
    if (control.rank > RANK.info) return;
    stream.write(
      `{"level":"info","time":"${isoNow()}"${bindings},"request_id":${jsonString(line.requestId)},` +
        `"method":${jsonString(line.method)},"path":${jsonString(line.path)},"status":${jsonNumber(line.status)},` +
        `"duration_ms":${tenthsNumber(line.durationMs)},"msg":"request"}\n`,
    );
  };
}

// Printable ASCII without `"` and `\`: its JSON string is itself in quotes.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function jsonString(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/**
 * jsonNumber() for a duration rounded to tenths (the common case, `12.3`), without V8's general
 * shortest-decimal conversion of a fraction, profiled at ~0.7 % of the edge's samples: when `value`
 * is exactly `t / 10` for a small whole `t`, `q.r` is that shortest decimal. Anything else, as before.
 */
function tenthsNumber(value: number): string {
  const tenths = Math.round(value * 10);
  if (tenths / 10 !== value || tenths < 0 || tenths >= 1e9) return jsonNumber(value);
  const digit = tenths % 10;
  const whole = (tenths - digit) / 10;
  return digit === 0 ? String(whole) : `${whole}.${digit}`;
}

// `toISOString()` of now, its date and seconds part made once a second (a Date per line cost more
// than the rest of the line).
let isoSecond = Number.NaN;
let isoPrefix = '';

function isoNow(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const ms = now - second * 1000;
  return `${isoPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

function envLevel(): LogLevel | undefined {
  const value = process.env.VESTIBULE_LOG_LEVEL;
  return value && levels.has(value) ? (value as LogLevel) : undefined;
}

function lineWriter(write: (line: string) => void): (chunk: string) => void {
  return (chunk) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk);
}

function errorFields(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  }
  return value;
}

/**
 * Lines in front of sonic-boom: appended to one string and handed over `minLength` characters at a
 * time, never one by one. sonic-boom's own buffering measures every queued line *and* the whole
 * queued buffer with Buffer.byteLength on each write (flattening the concatenated string each time):
 * with a 12 KB buffer that was ~6 KB copied and scanned per access line, most of the logging cost
 * left in the edge's profile. Here a line costs one concatenation; sonic-boom (synchronous,
 * unbuffered) does the write(2) itself, partial writes and EAGAIN included.
 */
class LineBuffer implements DestinationStream {
  private pending = '';

  constructor(
    private readonly sink: ReturnType<typeof pino.destination>,
    private readonly minLength: number,
  ) {}

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= this.minLength) this.flush();
  }

  /** Hands what is queued to sonic-boom, which writes it at once (it is synchronous). */
  flush(): void {
    if (this.pending === '') return;
    const out = this.pending;
    this.pending = '';
    this.sink.write(out);
  }

  flushSync(): void {
    this.flush();
    this.sink.flushSync();
  }
}

let stderr: LineBuffer | undefined;

/**
 * One buffered stderr destination per process: lines collect until 12 KB (or 250 ms passed) and leave
 * in one write(2) — a write per line cost the edge about 4 µs of CPU per request more, and handing
 * each 4 KB to libuv's thread pool cost more main-thread time (profiled) than writing it at once.
 * Blocking like Node's own stderr on files and pipes, ~80 times less often.
 */
function sharedStderr(): DestinationStream {
  if (stderr) return stderr;
  // 12 KB: a write(2) per ~60 access lines (4 KB meant one per ~25, 0.7 % of the edge's samples
  // under load). sonic-boom, unbuffered and synchronous, writes each batch at once.
  const destination = new LineBuffer(pino.destination({ dest: 2, sync: true }), 12 * 1024);
  stderr = destination;
  setInterval(() => destination.flush(), 250).unref();
  // pino registers its exit flush for asynchronous destinations only: the buffer is ours to save.
  process.once('exit', () => flushSync(destination));
  return destination;
}

function flushSync(destination: LineBuffer): void {
  try {
    destination.flushSync();
  } catch {
    // Not writable any more (stderr closed): nothing left to save.
  }
}

/** Writes every queued log line now (before a shutdown completes or the process exits). */
export function flushLogs(): void {
  if (stderr) flushSync(stderr);
}

/** A logger that records lines in memory, for tests that assert on what was logged. */
export function createMemoryLogger(): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return Object.assign(logger, { lines });
}
