// A stub Kratos public API, enough of it to drive the proxy end to end: it answers the way Kratos does
// (absolute URLs built from `serve.public.base_url`, request_url built from X-Forwarded-Host, a CSRF
// cookie with base64 padding and a Domain, Go's `<a href>` body under redirects, single-use submits).
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJSON, startStub, type SeenRequest, type Stub } from './support.ts';

export interface FakeKratosOptions {
  /** What Kratos believes its public base URL is (e.g. an in-cluster `http://ory-kratos:4433/`). */
  baseURL?: string;
  /** The UI (the app) origin Kratos redirects browsers to. */
  uiOrigin: string;
  /** Delay before answering a submit, to hold it in flight. */
  submitDelayMs?: number;
}

export const CSRF_COOKIE =
  'csrf_token_806060ca5bf70dff3caa0e5c860002aade9d470a5a4dce73bcfa7ba10778f481';
export const CSRF_VALUE = 'nAiCb8QyXDlvdm3Kq7fA9xG6U6z0n2cP9WcY0u0aUvE=';

export interface FakeKratos extends Stub {
  submits: number;
  consumed: Set<string>;
}

export async function startFakeKratos(options: FakeKratosOptions): Promise<FakeKratos> {
  const state = { submits: 0, consumed: new Set<string>() };
  const stub = await startStub(async (req, res, selfURL) => {
    const base = (options.baseURL ?? selfURL + '/').replace(/\/$/, '');
    const url = new URL(req.url, 'http://kratos.invalid');
    if (url.pathname.startsWith('/admin')) return sendJSON(res, 200, { admin: true });
    if (url.pathname === '/self-service/login/browser') return initLogin(req, res, base, options);
    if (url.pathname === '/self-service/login/flows') return getFlow(req, res, base, url);
    if (url.pathname === '/self-service/login' && req.method === 'POST') {
      state.submits++;
      if (options.submitDelayMs) await new Promise((r) => setTimeout(r, options.submitDelayMs));
      return submitLogin(req, res, options, url, state.consumed);
    }
    if (url.pathname === '/self-service/logout') {
      res.writeHead(303, {
        location: options.uiOrigin + '/',
        'set-cookie': 'ory_kratos_session=; Path=/; Max-Age=0; HttpOnly',
      });
      return void res.end();
    }
    if (url.pathname === '/self-service/recovery/browser') {
      // Kratos redirecting a browser to another of its own endpoints: Location and Go's HTML body.
      const location = `${base}/self-service/login/browser?return_to=${encodeURIComponent(options.uiOrigin)}`;
      const html = `<a href="${location.replaceAll('&', '&amp;')}">See Other</a>.\n`;
      res.writeHead(303, { location, 'content-type': 'text/html; charset=utf-8' });
      return void res.end(html);
    }
    if (url.pathname === '/sessions/whoami') return sendJSON(res, 401, { error: { code: 401 } });
    return sendJSON(res, 404, { error: { code: 404, status: 'Not Found' } });
  });
  return {
    url: stub.url,
    seen: stub.seen,
    close: stub.close,
    consumed: state.consumed,
    get submits() {
      return state.submits;
    },
  };
}

function acceptsJSON(req: SeenRequest): boolean {
  return (req.headers.accept ?? '').includes('application/json');
}

export function flowJSON(base: string, id: string, requestHost: string): Record<string, unknown> {
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

function initLogin(
  req: SeenRequest,
  res: ServerResponse,
  base: string,
  o: FakeKratosOptions,
): void {
  const id = randomUUID();
  const cookie = `${CSRF_COOKIE}=${CSRF_VALUE}; Path=/; Domain=ory-kratos; Max-Age=31536000; HttpOnly; SameSite=Lax`;
  if (acceptsJSON(req)) {
    return sendJSON(res, 200, flowJSON(base, id, String(req.headers['x-forwarded-host'])), {
      'set-cookie': cookie,
    });
  }
  const location = `${o.uiOrigin}/login?flow=${id}`;
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
  o: FakeKratosOptions,
  url: URL,
  consumed: Set<string>,
): void {
  const flow = url.searchParams.get('flow') ?? '';
  const form = new URLSearchParams(req.body);
  if (consumed.has(flow)) {
    // What a user sees after a double click without the guard: the flow is gone.
    res.writeHead(303, { location: `${o.uiOrigin}/login?flow=${flow}&error=consumed` });
    return void res.end();
  }
  if (form.get('password') !== 'right') {
    res.writeHead(303, { location: `${o.uiOrigin}/login?flow=${flow}` });
    return void res.end();
  }
  consumed.add(flow);
  res.writeHead(303, {
    location: `${o.uiOrigin}/welcome`,
    'set-cookie': `ory_kratos_session=session-${flow}; Path=/; Domain=ory-kratos; HttpOnly; SameSite=Lax`,
  });
  res.end();
}
