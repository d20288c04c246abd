// Where Hydra sends a browser to log in and to consent, learned without Hydra's config file: a
// short-lived client starts `/oauth2/auth`; the redirect names urls.login. The login request is
// then accepted for a throwaway subject (remember: false) and Hydra's redirect followed with the
// cookies it set, as a browser would, until it names urls.consent. The consent request is rejected
// (no code is issued), the throwaway subject's login sessions revoked and the client deleted,
// whatever happened: nothing lingers, and a cleanup that failed is reported.
// The admin calls go through the official SDK (the CLI's one factory, each call with the probe's
// deadline); the public `/oauth2/auth` walk is a plain browser-like fetch (no SDK has one).
import { randomBytes } from 'node:crypto';
import { parse as parseSetCookie } from 'set-cookie-parser';
import type { OAuth2Api } from '@ory/client-fetch';
import { hydraAdmin, hydraAdminErrorMessage } from '../ory/hydra-admin.ts';
import type { HydraLive } from './facts.ts';
import { get, reason } from './probes.ts';

const PROBE_CLIENT_NAME = 'vestibule doctor probe (deleted after the check)';
const REDIRECT_URI = 'https://doctor-probe.invalid/callback';
/** Hydra's own hops between the login verifier and the consent URL (oidc-provider has a resume). */
const MAX_HOPS = 5;

/** An admin call that failed, worded once (`<what>: HTTP 500: …`, or the network error). */
class AdminCallError extends Error {
  override name = 'AdminCallError';
}

async function adminCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new AdminCallError(`${what}: ${await hydraAdminErrorMessage(err)}`, { cause: err });
  }
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

/** An admin call's failure as adminCall worded it; anything else as the other probes word it. */
function reasonOf(err: unknown): string {
  return err instanceof AdminCallError ? err.message.slice(0, 300) : reason(err);
}

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
  const admin: OAuth2Api = hydraAdmin(adminURL, { timeoutMs });
  /** A cleanup step: its failure is reported, never thrown. */
  const tidy = async (failure: string, call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (err) {
      cleanup.push(`${failure}: ${await hydraAdminErrorMessage(err)}`);
    }
  };
  const denied = { error: 'access_denied', error_description: 'vestibule doctor probe' };
  const steps = async (): Promise<void> => {
    const client = await adminCall('creating the probe client', () =>
      admin.createOAuth2Client({
        oAuth2Client: {
          client_name: PROBE_CLIENT_NAME,
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          scope: 'openid',
        },
      }),
    );
    if (!client.client_id) throw new Error('Hydra created the probe client without a client_id');
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
        const accepted = await adminCall('accepting the login request', () =>
          admin.acceptOAuth2LoginRequest({
            loginChallenge,
            acceptOAuth2LoginRequest: { subject, remember: false },
          }),
        );
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
        await tidy('consent request not rejected', () =>
          admin.rejectOAuth2ConsentRequest({ consentChallenge, rejectOAuth2Request: denied }),
        );
        return { location: next.href };
      } catch (err) {
        if (!loginAccepted)
          await tidy('login request not rejected', () =>
            admin.rejectOAuth2LoginRequest({ loginChallenge, rejectOAuth2Request: denied }),
          );
        return { error: reasonOf(err) };
      }
    })();
  };
  try {
    await steps();
  } catch (err) {
    login.error = reasonOf(err);
  } finally {
    if (loginAccepted) {
      await tidy(`sessions of ${subject} not revoked`, () =>
        admin.revokeOAuth2LoginSessions({ subject }),
      );
    }
    if (clientID) {
      const id = clientID;
      await tidy(`client ${id} not deleted`, () => admin.deleteOAuth2Client({ id }));
    }
  }
  if (cleanup.length > 0) login.cleanup = cleanup.join('; ');
  return { login, ...(consent ? { consent } : {}) };
}
