// Where Hydra sends a browser to log in and to consent, learned without Hydra's config file: a
// short-lived client starts `/oauth2/auth`; the redirect names urls.login. The login request is
// then accepted for a throwaway subject (remember: false) and Hydra's redirect followed with the
// cookies it set, as a browser would, until it names urls.consent. The consent request is rejected
// (no code is issued), the throwaway subject's login sessions revoked and the client deleted,
// whatever happened: nothing lingers, and a cleanup that failed is reported.
import { randomBytes } from 'node:crypto';
import { parse as parseSetCookie } from 'set-cookie-parser';
import type { HydraLive } from './facts.ts';
import { get, reason } from './probes.ts';

const PROBE_CLIENT_NAME = 'vestibule doctor probe (deleted after the check)';
const REDIRECT_URI = 'https://doctor-probe.invalid/callback';
/** Hydra's own hops between the login verifier and the consent URL (oidc-provider has a resume). */
const MAX_HOPS = 5;

/** `fetch` with a JSON body against the admin API; throws with the status on anything but 2xx. */
async function admin(
  adminURL: string,
  method: string,
  path: string,
  timeoutMs: number,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${adminURL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (response.status >= 300)
    throw new Error(`HTTP ${response.status} from ${method} ${path}: ${text.slice(0, 200)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** A browser's cookie jar, for one probe against one host: names and values only. */
class Jar {
  private cookies = new Map<string, string>();
  take(response: Response): void {
    for (const c of parseSetCookie(response.headers.getSetCookie()))
      this.cookies.set(c.name, c.value);
  }
  header(): Record<string, string> {
    const value = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return value ? { cookie: value } : {};
  }
}

/** GET without following; the redirect's target (absolute), or undefined. */
async function redirectOf(url: string, jar: Jar, timeoutMs: number) {
  const response = await get(url, timeoutMs, jar.header());
  jar.take(response);
  await response.body?.cancel();
  const location = response.headers.get('location');
  return {
    status: response.status,
    target:
      response.status >= 300 && response.status < 400 && location
        ? new URL(location, url)
        : undefined,
  };
}

type Redirects = Pick<HydraLive, 'login' | 'consent'>;

export async function probeRedirects(
  publicURL: string,
  adminURL: string,
  timeoutMs: number,
): Promise<Redirects> {
  const login: NonNullable<HydraLive['login']> = {};
  let consent: HydraLive['consent'];
  const cleanup: string[] = [];
  const subject = `vestibule-doctor-probe-${randomBytes(8).toString('hex')}`;
  let clientID: string | undefined;
  let loginAccepted = false;
  const jar = new Jar();
  const challenge = async (
    kind: 'login' | 'consent',
    value: string,
    verb: 'accept' | 'reject',
    body: unknown,
  ) =>
    admin(
      adminURL,
      'PUT',
      `/admin/oauth2/auth/requests/${kind}/${verb}?${kind}_challenge=${encodeURIComponent(value)}`,
      timeoutMs,
      body,
    );
  const denied = { error: 'access_denied', error_description: 'vestibule doctor probe' };
  const steps = async (): Promise<void> => {
    const client = (await admin(adminURL, 'POST', '/admin/clients', timeoutMs, {
      client_name: PROBE_CLIENT_NAME,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: 'openid',
    })) as { client_id: string };
    clientID = client.client_id;
    const auth = new URL(`${publicURL}/oauth2/auth`);
    auth.search = new URLSearchParams({
      client_id: clientID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      state: randomBytes(16).toString('base64url'),
    }).toString();
    const first = await redirectOf(auth.href, jar, timeoutMs);
    if (!first.target) {
      login.error = `HTTP ${first.status} from /oauth2/auth, no redirect`;
      return;
    }
    login.location = first.target.href;
    const loginChallenge = first.target.searchParams.get('login_challenge');
    if (!loginChallenge) return;
    consent = await (async () => {
      try {
        const accepted = (await challenge('login', loginChallenge, 'accept', {
          subject,
          remember: false,
        })) as { redirect_to?: string };
        loginAccepted = true;
        let next = accepted.redirect_to ? new URL(accepted.redirect_to) : undefined;
        // Hydra's own hops only (the URL probed, and its urls.self.public that redirect_to names):
        // its cookies go nowhere else, and the first URL elsewhere is the answer.
        const hydraOrigins = new Set([new URL(publicURL).origin, next?.origin]);
        for (let hop = 0; next && hop < MAX_HOPS; hop++) {
          if (next.searchParams.has('consent_challenge') || !hydraOrigins.has(next.origin)) break;
          next = (await redirectOf(next.href, jar, timeoutMs)).target;
        }
        if (!next) return { error: 'Hydra did not redirect after the accepted login' };
        const consentChallenge = next.searchParams.get('consent_challenge');
        if (!consentChallenge)
          return {
            error: `Hydra redirected to ${next.origin}${next.pathname} without a consent_challenge`,
          };
        await challenge('consent', consentChallenge, 'reject', denied).catch((err: unknown) =>
          cleanup.push(`consent request not rejected: ${reason(err)}`),
        );
        return { location: next.href };
      } catch (err) {
        if (!loginAccepted)
          await challenge('login', loginChallenge, 'reject', denied).catch((e: unknown) =>
            cleanup.push(`login request not rejected: ${reason(e)}`),
          );
        return { error: reason(err) };
      }
    })();
  };
  try {
    await steps();
  } catch (err) {
    login.error = reason(err);
  } finally {
    if (loginAccepted) {
      await admin(
        adminURL,
        'DELETE',
        `/admin/oauth2/auth/sessions/login?subject=${encodeURIComponent(subject)}`,
        timeoutMs,
      ).catch((err: unknown) => cleanup.push(`sessions of ${subject} not revoked: ${reason(err)}`));
    }
    if (clientID) {
      await admin(
        adminURL,
        'DELETE',
        `/admin/clients/${encodeURIComponent(clientID)}`,
        timeoutMs,
      ).catch((err: unknown) => cleanup.push(`client ${clientID} not deleted: ${reason(err)}`));
    }
  }
  if (cleanup.length > 0) login.cleanup = cleanup.join('; ');
  return { login, ...(consent ? { consent } : {}) };
}
