// CSRF protection as Kratos does it with justinas/nosurf (x/nosurf.go): a 32-byte secret lives in an
// HttpOnly cookie `csrf_token_<sha256 hex of the public base URL>`; forms carry a *masked* copy
// (one-time pad || secret XOR pad, base64) so the value in the page changes on every render (BREACH).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KratosConfig } from '../../config/types.ts';
import { parseCookieHeader, serializeCookie } from '../../session/cookies.ts';

const TOKEN_LENGTH = 32;

// Kratos x/nosurf.go: the texts of a CSRF rejection's details.
const CSRF_DOCS = 'https://www.ory.com/docs/troubleshooting/csrf';
const CSRF_HINT_AJAX =
  "We detected an AJAX call, please ensure that CORS is enabled and configured correctly, and that your AJAX code sends cookies and has credentials enabled. For further debugging, check your Browser's Network Tab to see what cookies are included or excluded.";
const CSRF_HINT_SERVER =
  "We detected a regular browser or server-side call. To debug browser calls check your Browser's Network Tab to see what cookies are included or excluded. If you are calling from a server ensure that the appropriate cookies are being forwarded and that the SDK method is called correctly.";
const NO_COOKIE = 'The HTTP Cookie Header is empty or not set.';
const COOKIE_MISSING = 'The HTTP Cookie Header was set but did not include the anti-CSRF cookie.';
const TOKEN_NOT_SENT =
  'The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).';
const TOKEN_MISMATCH =
  'The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.';
/** nosurf.MaxAge: one year. */
const CSRF_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60;

export interface CSRFIssue {
  /** The unmasked secret (base64), stored on the flow and compared on submit. */
  secret: string;
  /** A freshly masked token for the form's `csrf_token` node. */
  masked: string;
  /** Set-Cookie value when the request carried no (valid) CSRF cookie. */
  setCookie?: string;
}

export class CSRFProtection {
  readonly cookieName: string;
  readonly #cookie: {
    path: string;
    domain?: string;
    secure: boolean;
    sameSite: 'Lax' | 'Strict' | 'None';
  };

  constructor(config: KratosConfig) {
    const baseURL = config.serve.public.base_url;
    this.cookieName = `csrf_token_${createHash('sha256').update(baseURL).digest('hex')}`;
    const secure = baseURL.startsWith('https:');
    // Kratos x/nosurf.go NosurfBaseCookieHandler: cookies.{path,domain,same_site}; without Secure
    // (plain http, Kratos's dev mode) SameSite is forced to Lax, as None would need Secure.
    this.#cookie = {
      path: config.cookies.path || '/',
      ...(config.cookies.domain ? { domain: config.cookies.domain } : {}),
      secure,
      sameSite: secure ? config.cookies.same_site : 'Lax',
    };
  }

  /** The secret from the request's CSRF cookie, if it is well-formed. */
  secretFrom(request: Request): Buffer | undefined {
    const raw = parseCookieHeader(request.headers.get('cookie')).get(this.cookieName);
    if (!raw) return undefined;
    const decoded = decodeBase64(raw);
    return decoded?.length === TOKEN_LENGTH ? decoded : undefined;
  }

  /** Reuses the browser's secret when present (as nosurf does), otherwise mints one and sets the cookie. */
  issue(request: Request): CSRFIssue {
    const existing = this.secretFrom(request);
    const secret = existing ?? randomBytes(TOKEN_LENGTH);
    const issue: CSRFIssue = { secret: secret.toString('base64'), masked: mask(secret) };
    if (!existing) {
      issue.setCookie = serializeCookie(this.cookieName, issue.secret, {
        ...this.#cookie,
        httpOnly: true,
        maxAge: CSRF_COOKIE_MAX_AGE_S,
      });
    }
    return issue;
  }

  /** A new secret and its cookie whatever the request holds (nosurf's RegenerateToken). */
  regenerate(): CSRFIssue {
    return this.issue(new Request('http://csrf.invalid/'));
  }

  /**
   * Why a CSRF check failed, as Kratos's x/nosurf.go CSRFErrorReason tells it in the error's
   * `details`: no Cookie header, no anti-CSRF cookie in it, no token sent, or a mismatch. Kratos
   * calls a request without an Origin header "AJAX" (and one with it "server-side"). Kratos looks
   * for the token in the parsed form only, so a JSON submit with the cookie is always a "mismatch"
   * (recorded in shared/ory/kratos/transcripts/login-spa.json), a fetch always "not sent".
   */
  rejectionDetails(request: Request, token: 'sent' | 'absent'): Record<string, string> {
    const ajax = !request.headers.get('origin');
    const hint = ajax ? CSRF_HINT_AJAX : CSRF_HINT_SERVER;
    const docs = { docs: CSRF_DOCS };
    if (!request.headers.get('cookie')) return { ...docs, hint, reject_reason: NO_COOKIE };
    if (!parseCookieHeader(request.headers.get('cookie')).has(this.cookieName)) {
      return { ...docs, hint, reject_reason: COOKIE_MISSING };
    }
    if (token === 'absent' && !request.headers.get('x-csrf-token')) {
      return { ...docs, hint: TOKEN_NOT_SENT };
    }
    // Kratos answers a mismatch with the AJAX hint either way (ErrInvalidCSRFTokenServerTokenMismatch).
    return { ...docs, hint: CSRF_HINT_AJAX, reject_reason: TOKEN_MISMATCH };
  }

  /** A fresh mask of an already-issued secret (each rendering of a flow carries a new value). */
  remask(secret: string): string {
    const decoded = decodeBase64(secret);
    return decoded ? mask(decoded) : '';
  }

  /** True when the request's CSRF cookie holds the flow's secret. */
  cookieMatches(request: Request, flowSecret: string): boolean {
    const fromCookie = this.secretFrom(request);
    const expected = decodeBase64(flowSecret);
    return !!fromCookie && !!expected && safeEqual(fromCookie, expected);
  }

  /** True when the submitted (masked or plain) token unmasks to the cookie's secret and the flow's. */
  submissionMatches(request: Request, flowSecret: string, submitted: unknown): boolean {
    if (typeof submitted !== 'string' || !this.cookieMatches(request, flowSecret)) return false;
    const sent = decodeBase64(submitted);
    if (!sent) return false;
    const unmasked = sent.length === TOKEN_LENGTH * 2 ? unmask(sent) : sent;
    return safeEqual(unmasked, decodeBase64(flowSecret)!);
  }
}

function mask(secret: Buffer): string {
  const pad = randomBytes(TOKEN_LENGTH);
  const out = Buffer.alloc(TOKEN_LENGTH * 2);
  pad.copy(out, 0);
  for (let i = 0; i < TOKEN_LENGTH; i++) out[TOKEN_LENGTH + i] = secret[i]! ^ pad[i]!;
  return out.toString('base64');
}

function unmask(sent: Buffer): Buffer {
  const out = Buffer.alloc(TOKEN_LENGTH);
  for (let i = 0; i < TOKEN_LENGTH; i++) out[i] = sent[TOKEN_LENGTH + i]! ^ sent[i]!;
  return out;
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function decodeBase64(value: string): Buffer | undefined {
  // Browsers and form encoders may turn '+' into ' '; nosurf's callers see the same.
  const normalised = value.replace(/ /g, '+');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalised)) return undefined;
  return Buffer.from(normalised, 'base64');
}

/**
 * Kratos runs nosurf around the public router: a GET that arrives without the CSRF cookie gets
 * one, whatever the route (flow fetches, the error endpoint, 404s). The API endpoints, whoami and
 * the flow submits are on nosurf's ignore list (Kratos checks their CSRF itself), so they set none
 * — as the recorded transcripts show (shared/ory/kratos/transcripts/, e.g. login-api.json).
 */
const CSRF_IGNORED = [
  /^\/self-service\/[a-z]+\/api$/,
  /^\/sessions(\/|$)/,
  /^\/health\//,
  /^\/version$/,
  /^\/schemas(\/|$)/,
];

export function issueCSRFCookieIfMissing(
  csrf: CSRFProtection,
  request: Request,
  response: Response,
): Response {
  if (request.method !== 'GET' || csrf.secretFrom(request)) return response;
  const path = new URL(request.url).pathname;
  if (CSRF_IGNORED.some((re) => re.test(path))) return response;
  if (response.headers.getSetCookie().some((c) => c.startsWith(`${csrf.cookieName}=`))) {
    return response;
  }
  const issue = csrf.issue(request);
  if (issue.setCookie) response.headers.append('set-cookie', issue.setCookie);
  return response;
}
