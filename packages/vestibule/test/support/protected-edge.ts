// An assembled edge with login protection on, a fake clock, a memory logger, and optional captcha
// verifier and security notifier, in front of the fake Kratos (test/support/fake-kratos.ts).
import type { CaptchaOutcome, CaptchaVerifier } from '../../src/captcha/verifier.ts';
import { loadConfigObject } from '../../src/config/index.ts';
import { launchEdge, type RunningEdge } from '../../src/edge/start-edge.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import type { SecurityNotice, SecurityNotifier } from '../../src/protection/notifier.ts';
import { SECRET } from './gateway-stack.ts';

export const ADMIN_SECRET = 'admin-secret-admin-secret-admin-secret!';

export interface ProtectedEdgeOptions {
  kratosURL: string;
  upstreamURL: string;
  store?: Record<string, unknown>;
  protection?: Record<string, unknown>;
  now?: () => number;
  captchaVerifier?: CaptchaVerifier;
  securityNotifier?: SecurityNotifier;
}

export async function startProtectedEdge(options: ProtectedEdgeOptions) {
  const logger = createMemoryLogger();
  const { config } = loadConfigObject(
    {
      kratos: { public_url: options.kratosURL },
      gateway: { upstream_url: options.upstreamURL, header_secret: SECRET },
      store: options.store ?? { url: 'memory' },
      protection: { admin: { secret: ADMIN_SECRET }, ...options.protection },
    },
    { env: {} },
  );
  const edge: RunningEdge = await launchEdge(config, {
    host: '127.0.0.1',
    port: 0,
    logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.captchaVerifier ? { captchaVerifier: options.captchaVerifier } : {}),
    ...(options.securityNotifier ? { securityNotifier: options.securityNotifier } : {}),
  });
  return Object.assign(edge, { logger });
}

/** A captcha verifier double: `pass-*` tokens pass, `down` is "provider unavailable". */
export function fakeCaptchaVerifier(): CaptchaVerifier & { calls: string[] } {
  const calls: string[] = [];
  return {
    provider: 'turnstile',
    siteKey: 'site-key',
    calls,
    verify(token: string): Promise<CaptchaOutcome> {
      calls.push(token);
      if (token === 'down') return Promise.resolve({ ok: false, reason: 'unavailable' });
      return Promise.resolve(
        token.startsWith('pass-') ? { ok: true } : { ok: false, reason: 'invalid' },
      );
    },
  };
}

export function recordingNotifier(): SecurityNotifier & { notices: SecurityNotice[] } {
  const notices: SecurityNotice[] = [];
  return {
    notices,
    notify(notice) {
      notices.push(notice);
      return Promise.resolve();
    },
  };
}

/** A browser form post of the login flow. */
export function loginForm(
  edgeURL: string,
  identifier: string,
  password: string,
  options: {
    flow?: string;
    json?: boolean;
    headers?: Record<string, string>;
    extra?: Record<string, string>;
  } = {},
): Promise<Response> {
  const flow = options.flow ?? crypto.randomUUID();
  const url = `${edgeURL}/api/ory/self-service/login?flow=${flow}`;
  if (options.json) {
    return fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...options.headers,
      },
      body: JSON.stringify({ method: 'password', identifier, password, ...options.extra }),
    });
  }
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      ...options.headers,
    },
    body: new URLSearchParams({
      method: 'password',
      identifier,
      password,
      ...options.extra,
    }).toString(),
  });
}

export async function adminCall(
  edgeURL: string,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${edgeURL}/.vestibule/protection${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${ADMIN_SECRET}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
}
