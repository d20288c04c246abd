// The one stand-in for Kratos's public API used by the proxy, gateway, session and app tests, on a
// real socket. It answers `GET /sessions/whoami` from sessions the test adds, and the browser login
// flow the way Kratos does (absolute URLs built from `serve.public.base_url`, a CSRF cookie with
// base64 padding and a Domain, Go's `<a href>` body under redirects, single-use submits).
// Controls: stop/start on the same port, `mode` to fail or hang, and `hold()`, a latch that parks
// requests until released, so concurrency tests wait for events instead of timing windows.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { KratosSession } from '../../src/session/types.ts';
import { readRequest, sendJSON, type SeenRequest } from './http-stubs.ts';

export const CSRF_COOKIE =
  'csrf_token_806060ca5bf70dff3caa0e5c860002aade9d470a5a4dce73bcfa7ba10778f481';
export const CSRF_VALUE = 'nAiCb8QyXDlvdm3Kq7fA9xG6U6z0n2cP9WcY0u0aUvE=';

export interface FakeKratosOptions {
  /** The session cookie whoami reads. Default `ory_kratos_session`. */
  cookieName?: string;
  /** What Kratos believes its public base URL is (e.g. an in-cluster `http://ory-kratos:4433/`). */
  baseURL?: string;
  /** The UI (the app) origin Kratos redirects browsers to. Default: the fake's own URL. */
  uiOrigin?: string;
}

export interface FakeSessionInput {
  email?: string;
  role?: string;
  identityId?: string;
  expiresAt?: Date;
  traits?: Record<string, unknown>;
  /** Kratos requires AAL2 for this session: whoami answers 403 session_aal2_required. */
  needsSecondFactor?: boolean;
}

export interface FakeKratos {
  url: string;
  port: number;
  /** Every request that reached the fake, in arrival order. */
  seen: SeenRequest[];
  whoamiCalls: number;
  /** Login submits (`POST /self-service/login`) received. */
  readonly submits: number;
  /** Login flows already used by a successful submit. */
  consumed: Set<string>;
  /** 'ok' normal, 'error' → whoami 500, 'hang' → never answers. */
  mode: 'ok' | 'error' | 'hang';
  /**
   * Parks every request that arrives from now on until the returned `release()` is called; the
   * test decides when Kratos answers instead of hoping a delay is long enough.
   */
  hold(): () => void;
  /** Resolves once at least `count` requests are parked by `hold()`. */
  waitForPending(count: number): Promise<void>;
  addSession(input?: FakeSessionInput): { token: string; session: KratosSession };
  revoke(token: string): void;
  /** The session's second factor is done: whoami answers 200 again for the same credential. */
  completeSecondFactor(token: string): void;
  setRole(identityId: string, role: string | undefined): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

interface Latch {
  held: boolean;
  parked: Array<() => void>;
  waiters: Array<{ count: number; resolve: () => void }>;
}

function park(latch: Latch, resume: () => void): void {
  latch.parked.push(resume);
  latch.waiters = latch.waiters.filter((w) =>
    w.count <= latch.parked.length ? w.resolve() : true,
  );
}

export async function startFakeKratos(options: FakeKratosOptions = {}): Promise<FakeKratos> {
  const cookieName = options.cookieName ?? 'ory_kratos_session';
  const sessions = new Map<string, KratosSession>();
  const needsSecondFactor = new Set<string>();
  const flows: FlowState = { submits: 0, consumed: new Set<string>() };
  const latch: Latch = { held: false, parked: [], waiters: [] };
  let server: Server | undefined;

  const answerWhoami = (req: SeenRequest, res: ServerResponse) => {
    fake.whoamiCalls++;
    if (fake.mode === 'error') return sendJSON(res, 500, { error: { code: 500 } });
    const token =
      (req.headers['x-session-token'] as string | undefined) ??
      cookieValue(req.headers.cookie, cookieName);
    const session = token ? sessions.get(token) : undefined;
    if (!session || Date.parse(session.expires_at!) <= Date.now()) {
      return sendJSON(res, 401, {
        error: { code: 401, status: 'Unauthorized', id: 'session_inactive' },
      });
    }
    if (needsSecondFactor.has(token!)) {
      // Kratos's ErrAALNotSatisfied body (see docs/kratos-contract.md: whoami 403).
      return sendJSON(res, 403, {
        error: { code: 403, status: 'Forbidden', id: 'session_aal2_required' },
        redirect_browser_to: `${fake.url}/self-service/login/browser?aal=aal2`,
      });
    }
    sendJSON(res, 200, session, { 'x-kratos-authenticated-identity-id': session.identity.id });
  };

  const answer = (req: SeenRequest, res: ServerResponse) => {
    const path = new URL(req.url, 'http://kratos.invalid').pathname;
    if (path === '/sessions/whoami') return answerWhoami(req, res);
    const base = (options.baseURL ?? fake.url + '/').replace(/\/$/, '');
    const uiOrigin = options.uiOrigin ?? fake.url;
    return answerFlowRequest(req, res, { base, uiOrigin, state: flows });
  };

  const fake: FakeKratos = {
    url: '',
    port: 0,
    seen: [],
    whoamiCalls: 0,
    get submits() {
      return flows.submits;
    },
    consumed: flows.consumed,
    mode: 'ok',
    hold() {
      latch.held = true;
      return () => {
        latch.held = false;
        for (const resume of latch.parked.splice(0)) resume();
      };
    },
    waitForPending(count) {
      if (latch.parked.length >= count) return Promise.resolve();
      return new Promise((resolve) => latch.waiters.push({ count, resolve }));
    },
    addSession(input = {}) {
      const token = `ory_st_${randomBytes(16).toString('hex')}`;
      const identityId = input.identityId ?? randomUUID();
      const session: KratosSession = {
        id: randomUUID(),
        active: true,
        expires_at: (input.expiresAt ?? new Date(Date.now() + 3600_000)).toISOString(),
        authenticated_at: new Date().toISOString(),
        authenticator_assurance_level: 'aal1',
        identity: {
          id: identityId,
          schema_id: 'default',
          state: 'active',
          traits: input.traits ?? { email: input.email ?? `${identityId.slice(0, 8)}@example.com` },
          metadata_public: input.role ? { role: input.role } : null,
        },
      };
      sessions.set(token, session);
      if (input.needsSecondFactor) needsSecondFactor.add(token);
      return { token, session };
    },
    revoke(token) {
      sessions.delete(token);
    },
    completeSecondFactor(token) {
      needsSecondFactor.delete(token);
    },
    setRole(identityId, role) {
      for (const s of sessions.values()) {
        if (s.identity.id === identityId) s.identity.metadata_public = role ? { role } : null;
      }
    },
    async start() {
      server = createServer((req, res) => {
        if (fake.mode === 'hang') return;
        void readRequest(req).then((entry) => {
          fake.seen.push(entry);
          if (latch.held) park(latch, () => answer(entry, res));
          else answer(entry, res);
        });
      });
      await new Promise<void>((resolve) => server!.listen(fake.port, '127.0.0.1', resolve));
      fake.port = (server.address() as AddressInfo).port;
      fake.url = `http://127.0.0.1:${fake.port}`;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    close() {
      return fake.stop();
    },
  };
  await fake.start();
  return fake;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

interface FlowState {
  submits: number;
  consumed: Set<string>;
}

interface FlowContext {
  /** Kratos's public base URL, without the trailing slash. */
  base: string;
  uiOrigin: string;
  state: FlowState;
}

/** Everything but whoami: the browser login flow, logout, a Kratos-internal redirect, admin, 404. */
function answerFlowRequest(req: SeenRequest, res: ServerResponse, ctx: FlowContext): void {
  const { base, uiOrigin, state } = ctx;
  const url = new URL(req.url, 'http://kratos.invalid');
  if (url.pathname.startsWith('/admin')) return sendJSON(res, 200, { admin: true });
  if (url.pathname === '/self-service/login/browser') return initLogin(req, res, base, uiOrigin);
  if (url.pathname === '/self-service/login/flows') return getFlow(req, res, base, url);
  if (url.pathname === '/self-service/login' && req.method === 'POST') {
    state.submits++;
    return submitLogin(req, res, uiOrigin, url, state.consumed);
  }
  if (url.pathname === '/self-service/logout') {
    res.writeHead(303, {
      location: uiOrigin + '/',
      'set-cookie': 'ory_kratos_session=; Path=/; Max-Age=0; HttpOnly',
    });
    return void res.end();
  }
  if (url.pathname === '/self-service/recovery/browser') {
    // Kratos redirecting a browser to another of its own endpoints: Location and Go's HTML body.
    const location = `${base}/self-service/login/browser?return_to=${encodeURIComponent(uiOrigin)}`;
    const html = `<a href="${location.replaceAll('&', '&amp;')}">See Other</a>.\n`;
    res.writeHead(303, { location, 'content-type': 'text/html; charset=utf-8' });
    return void res.end(html);
  }
  return sendJSON(res, 404, { error: { code: 404, status: 'Not Found' } });
}

function acceptsJSON(req: SeenRequest): boolean {
  return (req.headers.accept ?? '').includes('application/json');
}

function flowJSON(base: string, id: string, requestHost: string): Record<string, unknown> {
  return {
    id,
    type: 'browser',
    request_url: `http://${requestHost}/self-service/login/browser?return_to=`,
    return_to: 'https://elsewhere.example/after',
    ui: {
      action: `${base}/self-service/login?flow=${id}`,
      method: 'POST',
      nodes: [
        {
          type: 'input',
          group: 'default',
          attributes: { name: 'csrf_token', type: 'hidden', value: CSRF_VALUE },
          messages: [],
          meta: {},
        },
        {
          type: 'script',
          group: 'webauthn',
          attributes: { src: `${base}/.well-known/ory/webauthn.js`, id: 'webauthn_script' },
          messages: [],
          meta: {},
        },
        {
          type: 'input',
          group: 'webauthn',
          attributes: {
            name: 'webauthn_login_trigger',
            type: 'button',
            onclick: `window.__oryWebAuthnLogin({"url":"${base}/x"})`,
          },
          messages: [],
          meta: {},
        },
        {
          type: 'a',
          group: 'default',
          attributes: { href: `${base}/self-service/recovery/browser`, title: { text: 'Reset' } },
          messages: [],
          meta: {},
        },
      ],
    },
  };
}

function initLogin(req: SeenRequest, res: ServerResponse, base: string, uiOrigin: string): void {
  const id = randomUUID();
  const cookie = `${CSRF_COOKIE}=${CSRF_VALUE}; Path=/; Domain=ory-kratos; Max-Age=31536000; HttpOnly; SameSite=Lax`;
  if (acceptsJSON(req)) {
    return sendJSON(res, 200, flowJSON(base, id, String(req.headers['x-forwarded-host'])), {
      'set-cookie': cookie,
    });
  }
  const location = `${uiOrigin}/login?flow=${id}`;
  res.writeHead(303, {
    location,
    'set-cookie': cookie,
    'content-type': 'text/html; charset=utf-8',
  });
  res.end(`<a href="${location}">See Other</a>.\n`);
}

function getFlow(req: SeenRequest, res: ServerResponse, base: string, url: URL): void {
  if (!(req.headers.cookie ?? '').includes(`${CSRF_COOKIE}=${CSRF_VALUE}`)) {
    return sendJSON(res, 403, { error: { id: 'security_csrf_violation', code: 403 } });
  }
  const id = url.searchParams.get('id') ?? '';
  sendJSON(res, 200, flowJSON(base, id, String(req.headers['x-forwarded-host'])));
}

function submitLogin(
  req: SeenRequest,
  res: ServerResponse,
  uiOrigin: string,
  url: URL,
  consumed: Set<string>,
): void {
  const flow = url.searchParams.get('flow') ?? '';
  const form = new URLSearchParams(req.body);
  if (consumed.has(flow)) {
    // What a user sees after a double click without the guard: the flow is gone.
    res.writeHead(303, { location: `${uiOrigin}/login?flow=${flow}&error=consumed` });
    return void res.end();
  }
  if (form.get('password') !== 'right') {
    res.writeHead(303, { location: `${uiOrigin}/login?flow=${flow}` });
    return void res.end();
  }
  consumed.add(flow);
  res.writeHead(303, {
    location: `${uiOrigin}/welcome`,
    'set-cookie': `ory_kratos_session=session-${flow}; Path=/; Domain=ory-kratos; HttpOnly; SameSite=Lax`,
  });
  res.end();
}
