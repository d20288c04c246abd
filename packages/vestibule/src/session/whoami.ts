// One call to Kratos `GET /sessions/whoami`. 401 (no/invalid session) means "anonymous"; 403 (e.g.
// `session_aal2_required`: the session exists but lacks the second factor) is thrown as
// SessionRefused carrying Kratos's error id, so callers can send the browser to finish signing in;
// anything else that is not a valid 200 means Kratos is unavailable, so protected routes fail
// closed instead of guessing.
import { KratosUnavailable } from '../lib/errors.ts';
import { callOutboundRead, type FetchLike } from '../lib/outbound.ts';
import { DEFAULT_SESSION_COOKIE } from './credential.ts';
import type { KratosSession, SessionCredential } from './types.ts';

export interface WhoamiOptions {
  /** Kratos public API base URL (internal address is fine), e.g. http://127.0.0.1:4433 */
  kratosPublicURL: string;
  timeoutMs?: number;
  cookieName?: string;
  fetch?: FetchLike;
  /**
   * Makes the call instead of fetch: the edge passes undici's `request` on a pool of its own
   * (whoami-undici.ts), which costs a cache miss far less CPU and the process far less memory than
   * the WHATWG fetch machinery (issue 15). Not used when `fetch` is set (tests inject fetch).
   */
  send?: WhoamiSend;
}

/**
 * One whoami exchange, the whole answer read within `timeoutMs`: its status and body text (the body
 * may be left empty for a status other than 200 and 403). Failures are KratosUnavailable.
 */
export type WhoamiSend = (
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<WhoamiAnswer>;

export interface WhoamiAnswer {
  status: number;
  body: string;
}

/** Kratos knows the credential but will not vouch for it yet (whoami 403). Not an outage. */
export class SessionRefused extends Error {
  /** Kratos's error id, e.g. `session_aal2_required`; `forbidden` when the body names none. */
  readonly id: string;
  constructor(id: string) {
    super(`kratos whoami refused the session: ${id}`);
    this.name = 'SessionRefused';
    this.id = id;
  }
}

export type WhoamiFunction = (credential: SessionCredential) => Promise<KratosSession | null>;

export function createWhoami(options: WhoamiOptions): WhoamiFunction {
  const url = new URL('sessions/whoami', withTrailingSlash(options.kratosPublicURL)).toString();
  const cookieName = options.cookieName ?? DEFAULT_SESSION_COOKIE;
  const timeoutMs = options.timeoutMs ?? 2000;
  const send = options.fetch || !options.send ? fetchSend(options.fetch) : options.send;
  return async (credential) => {
    // Only the session credential is forwarded: whoami needs nothing else, and the app's other
    // cookies are none of Kratos's business.
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credential.kind === 'cookie') headers.cookie = `${cookieName}=${credential.value}`;
    else headers['x-session-token'] = credential.value;
    return interpret(await send(url, headers, timeoutMs));
  };
}

function interpret(answer: WhoamiAnswer): KratosSession | null {
  if (answer.status === 401) return null;
  if (answer.status === 403) throw new SessionRefused(refusalId(answer.body));
  if (answer.status !== 200) throw new KratosUnavailable(`kratos whoami answered ${answer.status}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch (err) {
    throw new KratosUnavailable('kratos whoami sent a body that is not JSON', { cause: err });
  }
  return parseSession(body);
}

/** Through fetch (the given one, else the global): the app library's way, on any runtime. */
function fetchSend(fetchImpl: FetchLike | undefined): WhoamiSend {
  const read = async (response: Response): Promise<WhoamiAnswer> => {
    const { status } = response;
    if (status !== 200 && status !== 403) {
      await response.body?.cancel();
      return { status, body: '' };
    }
    try {
      return { status, body: await response.text() };
    } catch (err) {
      throw new KratosUnavailable('kratos whoami: the answer broke off', { cause: err });
    }
  };
  return (url, headers, timeoutMs) =>
    callOutboundRead(
      url,
      { method: 'GET', headers },
      { fetch: fetchImpl, timeoutMs, service: 'kratos whoami' },
      read,
    );
}

function refusalId(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { id?: unknown } } | null;
    const id = body?.error?.id;
    return typeof id === 'string' && /^[a-z0-9_]{1,64}$/.test(id) ? id : 'forbidden';
  } catch {
    return 'forbidden';
  }
}

/** A 200 that does not look like a session is a broken Kratos, never a logged-in user. */
export function parseSession(body: unknown): KratosSession | null {
  if (!isObject(body) || typeof body.id !== 'string' || !isObject(body.identity)) {
    throw new KratosUnavailable('kratos whoami sent a 200 without a session object');
  }
  const identity = body.identity;
  if (typeof identity.id !== 'string' || identity.id === '') {
    throw new KratosUnavailable('kratos whoami sent a session without an identity id');
  }
  if (body.active !== true) return null;
  return {
    ...body,
    identity: { ...identity, traits: isObject(identity.traits) ? identity.traits : {} },
  } as KratosSession;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
