// Structured logging every part of the server shares (Kratos keeps such helpers in x/).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** JSON lines on stderr at or above `threshold`. */
export function createJSONLogger(threshold: keyof typeof LEVELS = 'info'): Logger {
  return (level, msg, fields) => {
    if (LEVELS[level] < LEVELS[threshold]) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
    for (const [key, value] of Object.entries(fields ?? {})) {
      entry[key] =
        value instanceof Error
          ? { name: value.name, message: value.message, stack: value.stack }
          : value;
    }
    process.stderr.write(`${JSON.stringify(entry)}\n`);
  };
}
