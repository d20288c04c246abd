// The edge's OAuth2 pages against in-memory stand-ins for Hydra's admin API and Kratos's whoami,
// through the pages' injectable fetch: every call is recorded, so a test can check what was
// accepted and with which body.
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { createOAuth2Pages } from '../../src/oauth2/handler.ts';
import { createSelfServicePages } from '../../src/pages/index.ts';

export const EDGE = 'http://edge.test';
export const HYDRA_ADMIN = 'http://hydra-admin.test';
export const KRATOS = 'http://kratos.test';
export const SECRET = 'an-edge-header-secret-of-32-chars!!';

export interface Call {
  method: string;
  path: string;
  challenge: string | null;
  body: unknown;
}

export function client(extra: Record<string, unknown> = {}) {
  return {
    client_id: 'rp',
    client_name: 'Notes RP',
    skip_consent: false,
    skip_logout_consent: false,
    ...extra,
  };
}

export function session(extra: Record<string, unknown> = {}) {
  return {
    id: 'kratos-session-1',
    active: true,
    authenticated_at: new Date(Date.UTC(2026, 0, 1, 12, 0, 0)).toISOString(),
    authenticator_assurance_level: 'aal1',
    authentication_methods: [{ method: 'password' }],
    identity: {
      id: 'identity-1',
      traits: { email: 'ada@example.com', name: { first: 'Ada', last: 'Lovelace' } },
      verifiable_addresses: [{ value: 'ada@example.com', via: 'email', verified: true }],
    },
    ...extra,
  };
}

export interface World {
  /** The pages' `starting` option: Hydra still starting (503 until it returns false). */
  hydraStarting?: () => boolean;
  login?: Record<string, unknown>;
  consent?: Record<string, unknown>;
  logout?: Record<string, unknown>;
  /** The session whoami returns for cookie `ory_kratos_session=good`. */
  session?: Record<string, unknown> | null;
  hydraDown?: boolean;
  now?: number;
}

export function setup(world: World, options: { scopeDescriptions?: Record<string, string> } = {}) {
  const calls: Call[] = [];
  const fakeFetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const json = (status: number, body: unknown) =>
      new Response(body === null ? null : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    if (url.origin === KRATOS) {
      if (url.pathname === '/sessions/whoami') {
        const cookie = new Headers(init.headers).get('cookie') ?? '';
        return cookie.includes('ory_kratos_session=good') && world.session
          ? json(200, world.session)
          : json(401, { error: { id: 'session_inactive' } });
      }
      if (url.pathname === '/self-service/logout/browser')
        return json(200, {
          logout_token: 'lt',
          logout_url: `${KRATOS}/self-service/logout?token=lt`,
        });
      if (url.pathname === '/self-service/logout') {
        calls.push({ method: 'GET', path: 'kratos logout', challenge: null, body: null });
        return json(204, null);
      }
      return json(404, {});
    }
    if (world.hydraDown) throw new TypeError('fetch failed');
    const path = url.pathname.replace('/admin/oauth2/auth/requests/', '');
    const challenge = url.searchParams.get(`${path.split('/')[0]}_challenge`);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : null;
    calls.push({ method: init.method ?? 'GET', path, challenge, body });
    const kind = path.split('/')[0] as 'login' | 'consent' | 'logout';
    const request = world[kind];
    if (!request || request.challenge !== challenge) return json(404, { error: 'Not Found' });
    if (path.endsWith('/reject') && kind === 'logout') return json(204, null);
    if (path.endsWith('/accept') || path.endsWith('/reject'))
      return json(200, { redirect_to: `http://hydra.test/oauth2/auth?${kind}_verifier=v` });
    return json(200, request);
  };
  const logger = createMemoryLogger();
  const pages = createSelfServicePages({
    kratosPublicURL: KRATOS,
    proxyPrefix: '/api/ory',
    secret: SECRET,
  });
  const oauth2 = createOAuth2Pages({
    hydraAdminURL: HYDRA_ADMIN,
    kratosPublicURL: KRATOS,
    publicOrigin: EDGE,
    secret: Buffer.from(SECRET),
    ...pages.chrome,
    logger,
    fetch: fakeFetch,
    now: () => world.now ?? Date.UTC(2026, 0, 1, 12, 5, 0),
    ...(world.hydraStarting ? { starting: world.hydraStarting } : {}),
    ...options,
  });
  const request = (
    path: string,
    init: { method?: string; cookie?: string; form?: Record<string, string> } = {},
  ) =>
    oauth2.handle(
      new Request(`${EDGE}${path}`, {
        method: init.method ?? (init.form ? 'POST' : 'GET'),
        headers: {
          ...(init.cookie ? { cookie: init.cookie } : {}),
          ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
      }),
      { requestId: 'req-123', log: logger },
    );
  return { calls, request, logger, oauth2 };
}

export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no ${name} field`);
  return match[1]!;
}

export function cookiePair(response: Response): string {
  const line = response.headers.getSetCookie()[0];
  if (!line) throw new Error('no Set-Cookie');
  return line.split(';')[0]!;
}
