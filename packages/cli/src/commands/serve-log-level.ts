// `vestibule serve`'s log level at run time: SIGUSR2 steps it one level along
// debug → info → warn → error → debug, and the edge logs each change (`log level changed`, with
// `from`, `to` and the signal) whatever the level, so an operator sees where it landed:
//   kill -USR2 <pid>    # info → warn;  again: → error;  again: → debug;  again: → info
// A signal, not a config reload: nothing else of a running edge changes, so nothing else can
// change by surprise. SIGUSR1 is Node's (it opens the inspector); Windows has no SIGUSR2, so there
// the switch is simply absent. nodemon restarts with SIGUSR2 unless told `--signal SIGTERM` (README).
import type { Logger, LogLevel } from 'vestibule/edge';
import { logLevelOf, setLogLevel } from 'vestibule/edge';

export const LOG_LEVEL_SIGNAL = 'SIGUSR2';
const CYCLE: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** The level after `level` in the cycle (error wraps to debug). */
export function nextLogLevel(level: LogLevel): LogLevel {
  return CYCLE[(CYCLE.indexOf(level) + 1) % CYCLE.length]!;
}

/** What the switch needs of `process` (tests hand in an EventEmitter). */
export interface SignalSource {
  readonly platform: string;
  on(signal: typeof LOG_LEVEL_SIGNAL, listener: () => void): unknown;
  off(signal: typeof LOG_LEVEL_SIGNAL, listener: () => void): unknown;
}

/**
 * Steps `logger`'s level on each SIGUSR2 until the returned function is called. A no-op on
 * Windows, and for a logger whose level cannot change (not made by createLogger()).
 */
export function cycleLogLevelOnSignal(logger: Logger, source: SignalSource = process): () => void {
  if (source.platform === 'win32' || logLevelOf(logger) === undefined) return () => {};
  const onSignal = () => {
    const level = logLevelOf(logger);
    if (level) setLogLevel(logger, nextLogLevel(level), { signal: LOG_LEVEL_SIGNAL });
  };
  source.on(LOG_LEVEL_SIGNAL, onSignal);
  return () => {
    source.off(LOG_LEVEL_SIGNAL, onSignal);
  };
}
