// Kratos's oauth2_provider integration against a real Hydra-compatible server: the embedded
// OAuth2 server on ephemeral ports whose urls.login is this identity server's login init, and a
// cookie-keeping browser that reaches the identity server in process and Hydra over sockets.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { CookieJar } from 'tough-cookie';
import { createOAuth2Server, parseConfig, type OAuth2Server } from '@vestibule/oauth2-server';
import { createIdentityServer } from '../../src/server.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import type { ConfigOverrides } from '../../src/config/index.ts';

export const IDENTITY = 'http://localhost:4433';
export const CONSENT_APP = 'http://consent.test/consent';
export const CALLBACK = 'http://rp.test/callback';

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

export interface Hydra {
  server: OAuth2Server;
  publicURL: string;
  adminURL: string;
  client: { id: string; secret: string };
}

/** The embedded OAuth2 server with urls.login = the identity server's login init endpoint. */
export async function startHydra(): Promise<Hydra> {
  const port = await freePort();
  const config = parseConfig(
    {
      dsn: 'memory',
      serve: { public: { port }, admin: { port: 0 } },
      urls: {
        self: { issuer: `http://127.0.0.1:${port}` },
        login: `${IDENTITY}/self-service/login/browser`,
        consent: CONSENT_APP,
        logout: 'http://consent.test/logout',
        error: 'http://consent.test/error',
      },
      secrets: { system: ['a-system-secret-of-32-characters!'] },
    },
    { dev: true },
  );
  const server = await createOAuth2Server({ config });
  const { publicURL, adminURL } = await server.listen();
  const created = await fetch(`${adminURL}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Notes RP',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [CALLBACK],
      scope: 'openid',
      token_endpoint_auth_method: 'client_secret_basic',
    }),
  });
  const body = (await created.json()) as Record<string, string>;
  assert.equal(created.status, 201, JSON.stringify(body));
  return {
    server,
    publicURL,
    adminURL,
    client: { id: body.client_id!, secret: body.client_secret! },
  };
}

/** The identity server in process with oauth2_provider and an identity with a password. */
export async function startIdentity(overrides: ConfigOverrides) {
  const context = await createMemoryContext(overrides);
  const server = await createIdentityServer({ context });
  const created = await server.adminHandler(
    new Request(`${context.config.serve.admin.base_url}/admin/identities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        schema_id: 'default',
        traits: { email: 'ada@example.com', name: { first: 'Ada', last: 'Lovelace' } },
        credentials: { password: { config: { password: 'correct horse battery' } } },
      }),
    }),
  );
  const identity = (await created.json()) as { id: string };
  assert.equal(created.status, 201, JSON.stringify(identity));
  return { context, server, identityId: identity.id };
}

/** A browser stand-in: keeps cookies, follows nothing by itself; identity-server URLs stay in process. */
export class Browser {
  readonly jar = new CookieJar();
  constructor(private readonly identity: (request: Request) => Promise<Response>) {}

  async get(url: string, accept = 'text/html'): Promise<Response> {
    return this.send(new Request(url, { headers: { accept } }));
  }

  async post(url: string, body: Record<string, unknown>, asJSON = false): Promise<Response> {
    const headers = asJSON
      ? { 'content-type': 'application/json', accept: 'application/json' }
      : { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
    const payload = asJSON
      ? JSON.stringify(body)
      : new URLSearchParams(body as Record<string, string>).toString();
    return this.send(new Request(url, { method: 'POST', headers, body: payload }));
  }

  private async send(request: Request): Promise<Response> {
    const cookies = await this.jar.getCookieString(request.url);
    const headers = new Headers(request.headers);
    if (cookies) headers.set('cookie', cookies);
    const withCookies = new Request(request, { headers, redirect: 'manual' });
    const response = request.url.startsWith(IDENTITY)
      ? await this.identity(withCookies)
      : await fetch(withCookies);
    for (const setCookie of response.headers.getSetCookie()) {
      await this.jar.setCookie(setCookie, request.url, { ignoreError: true });
    }
    return response;
  }
}

/** Follows redirects while they stay on Hydra; returns the first Location elsewhere. */
export async function followHydra(browser: Browser, hydra: Hydra, url: string): Promise<string> {
  let next = url;
  for (let hop = 0; hop < 10 && next.startsWith(hydra.publicURL); hop++) {
    const response = await browser.get(next);
    assert.ok([302, 303].includes(response.status), `${next} answered ${response.status}`);
    next = new URL(response.headers.get('location')!, next).toString();
  }
  return next;
}

export function authorizeURL(hydra: Hydra, extra: Record<string, string> = {}): string {
  const url = new URL(`${hydra.publicURL}/oauth2/auth`);
  url.search = new URLSearchParams({
    client_id: hydra.client.id,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: CALLBACK,
    state: 'state-of-at-least-eight',
    ...extra,
  }).toString();
  return url.toString();
}

/** The consent app's part, done through the admin API: accept what was asked. */
export async function acceptConsent(
  hydra: Hydra,
  consentURL: string,
): Promise<{ redirect: string; subject: string; amr: unknown }> {
  const challenge = new URL(consentURL).searchParams.get('consent_challenge')!;
  const request = await fetch(
    `${hydra.adminURL}/admin/oauth2/auth/requests/consent?consent_challenge=${encodeURIComponent(challenge)}`,
  );
  const consent = (await request.json()) as {
    subject: string;
    requested_scope: string[];
    amr?: unknown;
  };
  const accepted = await fetch(
    `${hydra.adminURL}/admin/oauth2/auth/requests/consent/accept?consent_challenge=${encodeURIComponent(challenge)}`,
    {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_scope: consent.requested_scope }),
    },
  );
  const body = (await accepted.json()) as { redirect_to: string };
  assert.equal(accepted.status, 200, JSON.stringify(body));
  return { redirect: body.redirect_to, subject: consent.subject, amr: consent.amr };
}
