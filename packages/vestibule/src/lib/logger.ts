// Structured JSON logs, one line per event: `{ level, time, ...base, ...fields, msg }`, `time` in ISO
// 8601 and `level` by name. Built on pino. By default lines go to stderr through one shared
// asynchronous, buffered destination: a line is queued and written while the request goes on, up to
// 4 KB of lines in one write() — a synchronous stderr write per access line cost the edge about half
// its throughput. What is still queued is written by `flushLogs()` (the
// edge's shutdown) and, synchronously, when the process exits (pino registers that, fatal errors
// included; test/lib/logger.test.ts holds it to it).
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
  const destination: DestinationStream = options.write
    ? { write: lineWriter(options.write) }
    : sharedStderr();
  const root = pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors anywhere in the fields: the client-safe summary, never a stack or a request body.
      serializers: { err: errorFields, error: errorFields, cause: errorFields },
    },
    destination,
  );
  return wrap(options.base && Object.keys(options.base).length ? root.child(options.base) : root);
}

function wrap(logger: PinoLogger): Logger {
  return {
    debug: (msg, fields) => (fields ? logger.debug(fields, msg) : logger.debug(msg)),
    info: (msg, fields) => (fields ? logger.info(fields, msg) : logger.info(msg)),
    warn: (msg, fields) => (fields ? logger.warn(fields, msg) : logger.warn(msg)),
    error: (msg, fields) => (fields ? logger.error(fields, msg) : logger.error(msg)),
    child: (fields) => wrap(logger.child(fields)),
  };
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

let stderr: ReturnType<typeof pino.destination> | undefined;

/**
 * One asynchronous stderr destination per process: lines collect until 4 KB (or 250 ms passed) and
 * leave in one write — a write per line cost the edge about 4 µs of CPU per request more (bench).
 * pino flushes it synchronously on exit.
 */
function sharedStderr(): DestinationStream {
  return (stderr ??= pino.destination({
    dest: 2,
    sync: false,
    minLength: 4096,
    periodicFlush: 250,
  }));
}

function flushSync(destination: ReturnType<typeof pino.destination>): void {
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
