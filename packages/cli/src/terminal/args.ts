// Flag parsing on node:util's parseArgs in strict mode: an unknown flag or a missing value is a
// UsageError with a one-line message (never a stack trace), and ports are checked here, once.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<T extends FlagSpec>(
  command: string,
  argv: string[],
  options: T,
): ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    // Node's messages are precise ("Unknown option '--prot'"); strip its internal code suffixes.
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${command}: ${message}`);
  }
}

/** A TCP port from a flag or env var; 0 means "pick a free one". */
export function portOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`${name}: expected a port number 0-65535, got "${value}"`);
  }
  return Number(value);
}

/** Flags plus at most `positionals.max` positional arguments (user ids, session ids, …). */
export function parseCommandLine<T extends FlagSpec>(
  command: string,
  argv: string[],
  options: T,
  positionals: { min: number; max: number; names: string },
): {
  values: ReturnType<
    typeof parseArgs<{ options: T; strict: true; allowPositionals: true }>
  >['values'];
  positionals: string[];
} {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}`);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError(`${command}: expected ${positionals.names}`);
  if (count > positionals.max) {
    throw new UsageError(
      `${command}: Unexpected argument '${parsed.positionals[positionals.max]}'`,
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** A positive integer flag (page sizes, limits). */
export function countOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1) {
    throw new UsageError(`${name}: expected a positive whole number, got "${value}"`);
  }
  return Number(value);
}
