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
  return async (credential) => {
    // Only the session credential is forwarded: whoami needs nothing else, and the app's other
    // cookies are none of Kratos's business.
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credential.kind === 'cookie') headers.cookie = `${cookieName}=${credential.value}`;
    else headers['x-session-token'] = credential.value;
    return callOutboundRead(
      url,
      { method: 'GET', headers },
      { fetch: options.fetch, timeoutMs, service: 'kratos whoami' },
      async (response) => {
        if (response.status === 401) {
          await response.body?.cancel();
          return null;
        }
        if (response.status === 403) throw new SessionRefused(await refusalId(response));
        if (response.status !== 200) {
          await response.body?.cancel();
          throw new KratosUnavailable(`kratos whoami answered ${response.status}`);
        }
        return parseSession(await readJSON(response));
      },
    );
  };
}

async function refusalId(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { id?: unknown } } | null;
    const id = body?.error?.id;
    return typeof id === 'string' && /^[a-z0-9_]{1,64}$/.test(id) ? id : 'forbidden';
  } catch {
    return 'forbidden';
  }
}

async function readJSON(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch (err) {
    throw new KratosUnavailable('kratos whoami sent a body that is not JSON', { cause: err });
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
