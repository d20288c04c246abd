// Have I Been Pwned's range API as Kratos's DefaultPasswordValidator calls it
// (selfservice/strategy/password/validator.go): SHA-1 the password, send only the first 5 hex
// characters to `https://<haveibeenpwned_host>/range/<prefix>` (k-anonymity), and match the other
// 35 locally. Lines that are not `SUFFIX:COUNT` are skipped, a count that is not a number is an
// upstream error (502), and a network failure or a non-200 answer is ignored when
// `ignore_network_errors` is true (Kratos's default) — then the password is accepted.
import { createHash } from 'node:crypto';
import { KratosError, internal } from '../http/errors.ts';

const RANGE_TIMEOUT_MS = 5000;
/** A real range answer is ~40 KB (with padding); anything far larger is not one, and is not held. */
export const MAX_RANGE_BYTES = 1024 * 1024;

export interface BreachLookupOptions {
  /** `haveibeenpwned_host` (Kratos default `api.pwnedpasswords.com`); always reached over https. */
  host: string;
  ignoreNetworkErrors: boolean;
  /** Injected in tests (a local double of the range API); the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Answers already fetched, by prefix (Kratos keeps the hashes it fetched in memory too). */
  cache?: RangeCache;
}

/** Range answers by prefix, oldest evicted first, each kept for `ttlMs`. */
export class RangeCache {
  private readonly entries = new Map<string, { body: string; at: number }>();
  constructor(
    private readonly limit = 1000,
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get(prefix: string): string | undefined {
    const entry = this.entries.get(prefix);
    if (entry && this.now() - entry.at <= this.ttlMs) return entry.body;
    this.entries.delete(prefix);
    return undefined;
  }

  set(prefix: string, body: string): void {
    this.entries.delete(prefix);
    this.entries.set(prefix, { body, at: this.now() });
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** Found breach count for `password`, 0 when unknown or when the lookup failed and is ignored. */
export async function breachCount(password: string, options: BreachLookupOptions): Promise<number> {
  const digest = createHash('sha1').update(password).digest('hex').toUpperCase();
  const prefix = digest.slice(0, 5);
  let body = options.cache?.get(prefix);
  if (body === undefined) {
    body = await fetchRange(prefix, options);
    if (body === undefined) return 0;
    // Parsed before it is kept: an answer with an unreadable count is never cached.
    const count = countFor(body, digest.slice(5));
    options.cache?.set(prefix, body);
    return count;
  }
  return countFor(body, digest.slice(5));
}

async function fetchRange(
  prefix: string,
  options: BreachLookupOptions,
): Promise<string | undefined> {
  const url = `https://${options.host}/range/${prefix}`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      signal: AbortSignal.timeout(RANGE_TIMEOUT_MS),
      // The 5-char prefix is all that may leave the process: never follow a redirect elsewhere.
      redirect: 'error',
    });
  } catch (err) {
    if (options.ignoreNetworkErrors) return undefined;
    throw internal(
      new Error(
        'unable to check if password has been leaked because an unexpected network error occurred',
        {
          cause: err,
        },
      ),
    );
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    if (options.ignoreNetworkErrors) return undefined;
    throw internal(new Error(`unexpected status code ${response.status} from the range API`));
  }
  try {
    return await readBounded(response);
  } catch (err) {
    if (options.ignoreNetworkErrors) return undefined;
    throw internal(err);
  }
}

async function readBounded(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RANGE_BYTES) {
      await reader.cancel();
      throw new Error(`the range API answered more than ${MAX_RANGE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The count on the line whose suffix matches; Kratos tolerates a `0,` thousands prefix. */
export function countFor(body: string, suffix: string): number {
  let found = 0;
  for (const row of body.split('\n')) {
    const parts = row.trim().split(':');
    if (parts.length !== 2) continue;
    const [hash, rawCount] = parts as [string, string];
    const digits = rawCount.replaceAll(',', '');
    if (!/^\d+$/.test(digits)) {
      throw new KratosError(502, 'An upstream server encountered an error', {
        reason: `Unable to parse the password breach count: ${JSON.stringify(rawCount)}`,
      });
    }
    if (hash.toUpperCase() === suffix) found = Number.parseInt(digits, 10);
  }
  return found;
}
