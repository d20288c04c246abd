// Second factors at login (TOTP, lookup secrets): whose guesses a submit without an identifier is,
// and, after a first factor, whether Kratos is now waiting for a second one from that session.
import { readCookie } from '../lib/cookies.ts';
import { candidateCredentials } from '../session/credential.ts';
import { SECOND_FACTOR_SCOPE } from './keys.ts';
import { credentialHash } from './second-factor-sessions.ts';
import { whoami, type PipelineDeps, type SubmitScope } from './scope.ts';

/**
 * Whose second factor this is: the identity when whoami answers for the first factor's session
 * (Kratos does when `session.whoami.required_aal` is aal1); else, for each credential the request
 * carries (a junk cookie beside a real token must not buy a fresh count: Kratos would use the
 * token), the identifier of the first factor that made it, when this edge saw it
 * (second-factor-sessions.ts), else that credential itself (hashed); else the flow. Every subject
 * returned is counted, so the strictest decides. Unknown sessions are counted like known ones.
 */
export async function secondFactorSubjects(
  deps: PipelineDeps,
  scope: SubmitScope,
): Promise<{ scope: string; key: string }[]> {
  const headers = scope.request.headers;
  const credentials = candidateCredentials(headers, { cookieName: deps.options.sessionCookie });
  if (credentials.length > 0) {
    const identity = await whoami(deps, headers);
    if (identity) return [{ scope: SECOND_FACTOR_SCOPE, key: `identity:${identity.id}` }];
    const keys = new Set<string>();
    for (const credential of credentials) {
      keys.add(
        (await deps.options.secondFactors?.subjectOf(credential.value)) ??
          `session:${credentialHash(credential.value)}`,
      );
    }
    return [...keys].map((key) => ({ scope: SECOND_FACTOR_SCOPE, key }));
  }
  const flowId = scope.submit.flowId;
  return flowId ? [{ scope: SECOND_FACTOR_SCOPE, key: `flow:${flowId}` }] : [];
}

/**
 * The session credential of an accepted first factor when Kratos asks for a second one next (its
 * login hook: a browser is sent to `…/login/browser?aal=aal2`, a SPA gets 422 with that address, an
 * API client gets its token with the identity left out); undefined otherwise.
 */
export async function credentialAwaitingSecondFactor(
  response: Response,
  sessionCookie: string,
): Promise<string | undefined> {
  if (response.status === 200) {
    const body = await jsonOf(response);
    const token = body?.session_token;
    const session = body?.session as { identity?: unknown } | undefined;
    return typeof token === 'string' && session && !session.identity ? token : undefined;
  }
  const next =
    response.status === 422
      ? (await jsonOf(response))?.redirect_browser_to
      : response.headers.get('location');
  if (typeof next !== 'string' || !asksForAAL2(next)) return undefined;
  for (const cookie of response.headers.getSetCookie()) {
    // Read as extractCredential reads the cookie the browser sends back: the same hash.
    const value = readCookie(cookie.split(';', 1)[0], sessionCookie);
    if (value) return value;
  }
  return undefined;
}

function asksForAAL2(location: string): boolean {
  try {
    return new URL(location, 'http://edge.invalid').searchParams.get('aal') === 'aal2';
  } catch {
    return false;
  }
}

async function jsonOf(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await response.clone().json();
    return typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
