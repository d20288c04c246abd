// The signed identity header contract between the edge (signer) and the app (verifier).
// See docs/identity-headers.md. Version 1:
//   x-user-id, x-user-email, x-user-role   identity values, percent-encoded outside visible ASCII
//   x-vestibule-signature: v1;t=<unix seconds>;n=<nonce (a UUID)>[;h=<names>];s=<base64url HMAC-SHA256>
// The HMAC covers JSON.stringify(["v1", t, n, METHOD, path, id, email, role]) — JSON so that no
// value can smuggle a separator. Headers rendered from access-rule templates are signed too: their
// lower-case names are listed in `h=` and [name, value, …] becomes a ninth element of the array.
// A request a Hydra access token authenticated also carries `x-user-scopes` (the granted scopes,
// space-separated, header-encoded), signed the same way as a rule header: listed in `h=` first.
// An anonymous request on an `optional` route is signed too, with empty identity values: the app
// can tell "the edge says anonymous" from "no edge in front of me".
import {
  createHmac,
  createSecretKey,
  randomUUID,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

export const SIGNATURE_VERSION = 'v1';
export const HEADER_USER_ID = 'x-user-id';
export const HEADER_USER_EMAIL = 'x-user-email';
export const HEADER_USER_ROLE = 'x-user-role';
export const HEADER_SIGNATURE = 'x-vestibule-signature';
/** Granted scopes of a Hydra access token; signed as an extra header (`h=`), never for sessions. */
export const HEADER_USER_SCOPES = 'x-user-scopes';
export const IDENTITY_HEADERS = [HEADER_USER_ID, HEADER_USER_EMAIL, HEADER_USER_ROLE] as const;
export const MIN_SECRET_LENGTH = 32;

export interface IdentityValues {
  id: string;
  email: string;
  role: string;
}

export interface SignedRequestTarget {
  method: string;
  /** The request target the upstream receives: normalised path plus query (`/a/b?x=1`). */
  path: string;
}

export function assertSecret(secret: unknown, option: string): string {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`${option} must be a string of at least ${MIN_SECRET_LENGTH} characters`);
  }
  return secret;
}

/** Percent-encode anything outside visible ASCII (and `%` itself) so any value is a legal header. */
// What encodeHeaderValue percent-encodes; tested first so the common plain value (an id, an email,
// a role) costs one scan and no replace call (it is encoded on every signed request).
const NEEDS_ENCODING = /[^\x21-\x24\x26-\x7e]/u;

export function encodeHeaderValue(value: string): string {
  if (!NEEDS_ENCODING.test(value)) return value;
  return value.replace(/[^\x21-\x24\x26-\x7e]/gu, (ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate: send U+FFFD rather than fail the request
    }
  });
}

export function decodeHeaderValue(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

// Printable ASCII without `"` and `\`: JSON.stringify leaves such strings as they are, so the
// canonical string can be concatenated directly (the common case: header-encoded values, a
// normalised path). Anything else goes through JSON.stringify. A property test pins the equality.
const JSON_PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function canonicalString(
  t: string,
  nonce: string,
  target: SignedRequestTarget,
  values: IdentityValues,
  /** Signed extra headers as [name, value, …] (names lower-case, values as sent). */
  extra?: readonly string[],
): string {
  const method = target.method.toUpperCase();
  const plain = JSON_PLAIN.test(
    t + nonce + method + target.path + values.id + values.email + values.role,
  );
  if (extra?.length) {
    // An access token's request always has one (x-user-scopes): concatenated like the rest when
    // every value is plain, so it costs what a session's request costs.
    const list = plain ? plainJSONList(extra) : undefined;
    if (list !== undefined) {
      return `["${SIGNATURE_VERSION}","${t}","${nonce}","${method}","${target.path}","${values.id}","${values.email}","${values.role}",${list}]`;
    }
    const fields = [target.path, values.id, values.email, values.role];
    return JSON.stringify([SIGNATURE_VERSION, t, nonce, method, ...fields, extra]);
  }
  if (plain) {
    return `["${SIGNATURE_VERSION}","${t}","${nonce}","${method}","${target.path}","${values.id}","${values.email}","${values.role}"]`;
  }
  return JSON.stringify([
    SIGNATURE_VERSION,
    t,
    nonce,
    method,
    target.path,
    values.id,
    values.email,
    values.role,
  ]);
}

/** JSON.stringify(values) for a list of plain strings, else undefined. */
function plainJSONList(values: readonly string[]): string | undefined {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!JSON_PLAIN.test(value)) return undefined;
    out += i === 0 ? `"${value}"` : `,"${value}"`;
  }
  return `${out}]`;
}

// Key preparation is a measurable part of each HMAC on the hot path: prepare each secret once.
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size > 64) keys.clear(); // secrets are few (rotation); never grow without bound
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

function hmac(secret: string, data: string): Buffer {
  return createHmac('sha256', keyOf(secret)).update(data).digest();
}

/**
 * The headers to inject: encoded identity values (absent for anonymous) and the signature.
 * `values` must already be header-encoded (see encodeIdentity).
 */
export function signIdentityHeaders(
  secret: string,
  target: SignedRequestTarget,
  values: IdentityValues | null,
  nowMs: number = Date.now(),
): Array<[string, string]> {
  const flat = appendSignedIdentityHeaders([], secret, target, values, nowMs);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

/**
 * signIdentityHeaders appended to a flat [name, value, …] list (the gateway's hot path). `extra`:
 * more headers to send and sign, [lower-case name, header-encoded value, …] (rule templates).
 */
export function appendSignedIdentityHeaders(
  out: string[],
  secret: string,
  target: SignedRequestTarget,
  values: IdentityValues | null,
  nowMs: number,
  extra?: readonly string[],
): string[] {
  const signed = values ?? ANONYMOUS;
  const t = String(Math.floor(nowMs / 1000));
  // randomUUID draws from a batched entropy cache: 122 random bits without a syscall per request.
  const nonce = randomUUID();
  // Encoded by digest itself: a Buffer and a second conversion per request cost ~1 µs more.
  const mac = createHmac('sha256', keyOf(secret))
    .update(canonicalString(t, nonce, target, signed, extra))
    .digest('base64url');
  if (values) {
    out.push(HEADER_USER_ID, values.id, HEADER_USER_EMAIL, values.email);
    out.push(HEADER_USER_ROLE, values.role);
  }
  if (extra?.length) {
    let names = '';
    for (let i = 0; i < extra.length; i += 2) {
      names += i === 0 ? extra[i]! : `,${extra[i]!}`;
      out.push(extra[i]!, extra[i + 1]!);
    }
    out.push(HEADER_SIGNATURE, `${SIGNATURE_VERSION};t=${t};n=${nonce};h=${names};s=${mac}`);
  } else {
    out.push(HEADER_SIGNATURE, `${SIGNATURE_VERSION};t=${t};n=${nonce};s=${mac}`);
  }
  return out;
}

/** A header name the signature may list: lower-case token characters, never an identity header. */
export const SIGNABLE_HEADER_NAME = /^[a-z0-9_-]{1,64}$/;
export const MAX_SIGNED_HEADERS = 32;

const ANONYMOUS: IdentityValues = Object.freeze({ id: '', email: '', role: '' });

export function encodeIdentity(values: IdentityValues): IdentityValues {
  return {
    id: encodeHeaderValue(values.id),
    email: encodeHeaderValue(values.email),
    role: encodeHeaderValue(values.role),
  };
}

export interface ParsedSignature {
  t: string;
  nonce: string;
  /** Names of the extra headers the signature covers (`h=`), lower-case; usually none. */
  headers: string[];
  mac: Buffer;
}

export function parseSignatureHeader(value: string): ParsedSignature | null {
  const match =
    /^v1;t=(\d{1,12});n=([A-Za-z0-9_-]{8,64})(?:;h=([a-z0-9_,-]{1,2200}))?;s=([A-Za-z0-9_-]{43})$/.exec(
      value,
    );
  if (!match) return null;
  const headers = match[3] === undefined ? [] : match[3].split(',');
  if (headers.length > MAX_SIGNED_HEADERS) return null;
  for (const name of headers) {
    if (!SIGNABLE_HEADER_NAME.test(name) || IDENTITY_HEADER_SET.has(name)) return null;
  }
  if (new Set(headers).size !== headers.length) return null;
  return { t: match[1]!, nonce: match[2]!, headers, mac: Buffer.from(match[4]!, 'base64url') };
}

const IDENTITY_HEADER_SET = new Set<string>([...IDENTITY_HEADERS, HEADER_SIGNATURE]);

/** Constant-time check of one signature against any of the accepted secrets (rotation). */
export function signatureMatches(
  secrets: readonly string[],
  parsed: ParsedSignature,
  target: SignedRequestTarget,
  values: IdentityValues,
  /** The values of `parsed.headers` as received, [name, value, …]. */
  extra?: readonly string[],
): boolean {
  const data = canonicalString(parsed.t, parsed.nonce, target, values, extra);
  let ok = false;
  for (const secret of secrets) {
    const expected = hmac(secret, data);
    if (expected.length === parsed.mac.length && timingSafeEqual(expected, parsed.mac)) ok = true;
  }
  return ok;
}
