// An embedded OAuth2 server on ephemeral ports, a cookie-keeping browser stand-in (no redirects
// followed automatically, so each hop can be checked), and PKCE helpers.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { CookieJar } from 'tough-cookie';
import {
  createOAuth2Server,
  parseConfig,
  type OAuth2Server,
  type OAuth2ServerOptions,
} from '../../src/index.ts';

export const LOGIN_APP = 'http://login.test/oauth2/login';
export const CONSENT_APP = 'http://login.test/oauth2/consent';
export const LOGOUT_APP = 'http://login.test/oauth2/logout';
export const ERROR_APP = 'http://login.test/oauth2/error';
export const CALLBACK = 'http://127.0.0.1:5555/callback';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Harness {
  server: OAuth2Server;
  publicURL: string;
  adminURL: string;
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function startHarness(
  overrides: Record<string, unknown> = {},
  options: Omit<OAuth2ServerOptions, 'config' | 'configPath'> = {},
): Promise<Harness> {
  const publicPort = await freePort();
  const config = parseConfig(
    {
      dsn: 'memory',
      serve: { public: { port: publicPort }, admin: { port: 0 } },
      urls: {
        self: { issuer: `http://127.0.0.1:${publicPort}` },
        login: LOGIN_APP,
        consent: CONSENT_APP,
        logout: LOGOUT_APP,
        error: ERROR_APP,
        post_logout_redirect: 'http://login.test/logged-out',
      },
      oauth2: { pkce: { enforced_for_public_clients: true } },
      secrets: { system: ['a-system-secret-of-32-characters!'] },
      ...overrides,
    },
    { dev: true },
  );
  const server = await createOAuth2Server({ ...options, config });
  const { publicURL, adminURL } = await server.listen();
  return {
    server,
    publicURL,
    adminURL,
    admin: (path, init = {}) =>
      fetch(`${adminURL}${path}`, {
        method: init.method ?? 'GET',
        ...(init.body !== undefined
          ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
          : {}),
      }),
    close: () => server.close(),
  };
}

/** A browser stand-in: keeps cookies, never follows redirects by itself. */
export class Browser {
  readonly jar = new CookieJar();

  async get(url: string): Promise<Response> {
    const cookie = await this.jar.getCookieString(url);
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const value of response.headers.getSetCookie()) await this.jar.setCookie(value, url);
    return response;
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function location(response: Response): string {
  const value = response.headers.get('location');
  if (!value) throw new Error(`expected a redirect, got ${response.status}: no Location`);
  return value;
}

export function challengeOf(url: string, kind: 'login' | 'consent' | 'logout'): string {
  const value = new URL(url).searchParams.get(`${kind}_challenge`);
  if (!value) throw new Error(`no ${kind}_challenge in ${url}`);
  return value;
}

export async function createClient(
  h: Harness,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await h.admin('/admin/clients', { method: 'POST', body });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 201)
    throw new Error(`client create failed: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export interface AuthorizeResult {
  code: string;
  callback: URL;
  loginChallenge: string;
  consentChallenge: string;
}

/**
 * Runs /oauth2/auth → login app (accept) → consent app (accept) → callback, as the login app
 * would, returning the code. `accept` bodies can be overridden.
 */
export async function authorize(
  h: Harness,
  browser: Browser,
  params: Record<string, string>,
  options: {
    login?: Record<string, unknown>;
    consent?: (request: Record<string, unknown>) => Record<string, unknown>;
  } = {},
): Promise<AuthorizeResult> {
  const auth = new URL(`${h.publicURL}/oauth2/auth`);
  for (const [key, value] of Object.entries(params)) auth.searchParams.set(key, value);
  const toLogin = await browser.get(auth.href);
  const loginChallenge = challengeOf(location(toLogin), 'login');
  const accepted = (await (
    await h.admin(`/admin/oauth2/auth/requests/login/accept?login_challenge=${loginChallenge}`, {
      method: 'PUT',
      body: options.login ?? { subject: 'user-1', remember: true },
    })
  ).json()) as { redirect_to: string };
  const toConsent = await browser.get(accepted.redirect_to);
  const consentChallenge = challengeOf(location(toConsent), 'consent');
  const request = (await (
    await h.admin(`/admin/oauth2/auth/requests/consent?consent_challenge=${consentChallenge}`)
  ).json()) as Record<string, unknown>;
  const consentBody = options.consent?.(request) ?? {
    grant_scope: request.requested_scope,
    session: { id_token: { email: 'user@example.com', email_verified: true } },
  };
  const consented = (await (
    await h.admin(
      `/admin/oauth2/auth/requests/consent/accept?consent_challenge=${consentChallenge}`,
      {
        method: 'PUT',
        body: consentBody,
      },
    )
  ).json()) as { redirect_to: string };
  const toCallback = await browser.get(consented.redirect_to);
  const callback = new URL(location(toCallback));
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code at the callback: ${callback.href}`);
  return { code, callback, loginChallenge, consentChallenge };
}

export async function token(
  h: Harness,
  form: Record<string, string>,
  auth?: { id: string; secret: string },
): Promise<Response> {
  return fetch(`${h.publicURL}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(auth
        ? {
            authorization: `Basic ${Buffer.from(`${encodeURIComponent(auth.id)}:${encodeURIComponent(auth.secret)}`).toString('base64')}`,
          }
        : {}),
    },
    body: new URLSearchParams(form),
  });
}
