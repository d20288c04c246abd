// A local siteverify server (node:http) with each provider's HTTP contract, for tests and the dev
// stack: the same paths, form or JSON bodies, `{ success, "error-codes", challenge_ts, hostname,
// action, score }` answers and error codes as Turnstile, hCaptcha and reCAPTCHA v3, the providers'
// published test secrets, and single-use tokens (a replay or an expired token gets the provider's
// spent-token code). It also serves the `local` widget and mints its tokens. Tokens are never logged.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_WIDGET_SCRIPT } from './local-widget-script.ts';
import { PROVIDERS, TEST_KEYS } from './providers.ts';
import type { CaptchaProvider } from './verifier.ts';

export interface LocalKeyPair {
  provider: CaptchaProvider;
  siteKey: string;
  secret: string;
}

/** The dev stack's key pair for the `local` provider (public: it only works against this server). */
export const LOCAL_DEV_KEYS: Readonly<LocalKeyPair> = Object.freeze({
  provider: 'local',
  siteKey: 'vestibule-local-site-key',
  secret: 'vestibule-local-secret',
});

export interface LocalVerifierOptions {
  host?: string;
  port?: number;
  /** Site key / secret pairs it accepts besides the published test secrets; default LOCAL_DEV_KEYS. */
  keys?: readonly LocalKeyPair[];
  /** How long a minted token stays valid (Turnstile: 300 s). */
  tokenLifetimeMs?: number;
  /** Clock for token expiry (tests use a fake one). */
  now?: () => number;
}

export interface IssueOptions {
  action?: string;
  /** reCAPTCHA v3 score; default 0.9. */
  score?: number;
  hostname?: string;
}

export type Outage = 'down' | 'hang' | 'garbage' | undefined;

export interface LocalVerifier {
  /** Origin of the server, e.g. http://127.0.0.1:40123 (the `local` widget's script is here). */
  readonly url: string;
  siteverifyURL(provider: CaptchaProvider): string;
  /** A fresh single-use token, as the provider's widget would hand the browser. */
  issueToken(provider: CaptchaProvider, siteKey: string, options?: IssueOptions): string;
  /** Simulate the provider being down (503), hanging, or answering garbage; undefined restores it. */
  outage(mode: Outage): void;
  /** Siteverify requests answered so far. */
  readonly verifications: number;
  close(): Promise<void>;
}

interface Issued {
  provider: CaptchaProvider;
  siteKey: string;
  action: string | undefined;
  score: number;
  hostname: string;
  issuedAt: number;
  spent: boolean;
}

type Answer = Record<string, unknown>;
const MAX_BODY_BYTES = 64 * 1024;

export async function startLocalVerifier(
  options: LocalVerifierOptions = {},
): Promise<LocalVerifier> {
  const keys = options.keys ?? [LOCAL_DEV_KEYS];
  const lifetime = options.tokenLifetimeMs ?? 300_000;
  const now = options.now ?? Date.now;
  const issued = new Map<string, Issued>();
  const hanging = new Set<ServerResponse>();
  let outage: Outage;
  let verifications = 0;

  const issueToken = (provider: CaptchaProvider, siteKey: string, o: IssueOptions = {}) => {
    // Spent and expired tokens are only kept to answer a replay; past the lifetime, drop them.
    if (issued.size >= 10_000) {
      for (const [key, entry] of issued) {
        if (now() - entry.issuedAt > lifetime) issued.delete(key);
      }
    }
    const token = `${provider}.${randomBytes(24).toString('base64url')}`;
    issued.set(token, {
      provider,
      siteKey,
      action: o.action,
      score: o.score ?? 0.9,
      hostname: o.hostname ?? 'localhost',
      issuedAt: now(),
      spent: false,
    });
    return token;
  };

  const siteverify = (provider: CaptchaProvider, form: URLSearchParams): Answer => {
    const secret = form.get('secret') ?? '';
    const token = form.get('response') ?? '';
    if (!secret) return failure('missing-input-secret');
    if (!token) return failure('missing-input-response');
    const tested = testSecretAnswer(provider, secret, token);
    if (tested) return tested;
    const pair = keys.find((k) => k.provider === provider && k.secret === secret);
    if (!pair) return failure('invalid-input-secret');
    const entry = issued.get(token);
    if (!entry || entry.provider !== provider || entry.siteKey !== pair.siteKey) {
      return failure('invalid-input-response');
    }
    const sentSiteKey = form.get('sitekey');
    if (sentSiteKey !== null && sentSiteKey !== pair.siteKey)
      return failure('sitekey-secret-mismatch');
    if (entry.spent || now() - entry.issuedAt > lifetime) {
      return failure(PROVIDERS[provider].spentTokenError);
    }
    entry.spent = true;
    return {
      success: true,
      'error-codes': [],
      challenge_ts: new Date(entry.issuedAt).toISOString(),
      hostname: entry.hostname,
      ...(entry.action === undefined ? {} : { action: entry.action }),
      ...(provider === 'recaptcha_v3' ? { score: entry.score } : {}),
    };
  };

  const server: Server = createServer((req, res) => {
    void route(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { success: false, 'error-codes': ['internal-error'] });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (req.method === 'GET' && path === '/local/api.js') {
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-store',
        // Loaded cross-origin by the pages (a nonce'd <script src>).
        'cross-origin-resource-policy': 'cross-origin',
      });
      res.end(LOCAL_WIDGET_SCRIPT);
      return;
    }
    if (req.method === 'POST' && path === '/local/token') {
      const form = await readForm(req);
      const siteKey = form?.get('sitekey') ?? '';
      const known = keys.some((k) => k.provider === 'local' && k.siteKey === siteKey);
      res.setHeader('access-control-allow-origin', '*');
      if (!known) return send(res, 400, { error: 'unknown sitekey' });
      return send(res, 200, { token: issueToken('local', siteKey) });
    }
    const provider = providerAt(path);
    if (req.method !== 'POST' || !provider) return send(res, 404, { error: 'not found' });
    if (outage === 'hang') {
      hanging.add(res);
      return;
    }
    if (outage === 'down') return send(res, 503, { error: 'service unavailable' });
    if (outage === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>maintenance</html>');
      return;
    }
    verifications++;
    const form = await readForm(req);
    send(res, 200, form ? siteverify(provider, form) : failure('bad-request'));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    siteverifyURL: (provider) => url + PROVIDERS[provider].localPath,
    issueToken,
    outage(mode) {
      outage = mode;
    },
    get verifications() {
      return verifications;
    },
    close() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The providers' published test secrets; undefined when `secret` is not one of them. */
function testSecretAnswer(
  provider: CaptchaProvider,
  secret: string,
  token: string,
): Answer | undefined {
  const ok = (extra: Answer = {}): Answer => ({
    success: true,
    'error-codes': [],
    challenge_ts: new Date().toISOString(),
    hostname: 'localhost',
    ...extra,
  });
  switch (provider) {
    case 'turnstile': {
      const t = TEST_KEYS.turnstile;
      if (secret === t.secretPass) return ok();
      if (secret === t.secretFail) return failure('invalid-input-response');
      if (secret === t.secretSpent) return failure('timeout-or-duplicate');
      return undefined;
    }
    case 'hcaptcha': {
      const h = TEST_KEYS.hcaptcha;
      if (secret !== h.secretPass) return undefined;
      return token === h.dummyToken ? ok() : failure('not-using-dummy-passcode');
    }
    case 'recaptcha_v3':
      return secret === TEST_KEYS.recaptcha_v3.secretPass ? ok({ score: 0.9 }) : undefined;
    case 'local':
      return undefined;
  }
}

function failure(code: string): Answer {
  return { success: false, 'error-codes': [code] };
}

function providerAt(path: string): CaptchaProvider | undefined {
  for (const [provider, contract] of Object.entries(PROVIDERS)) {
    if (contract.localPath === path) return provider as CaptchaProvider;
  }
  return undefined;
}

/** Form-encoded (what the providers document) or JSON (Turnstile also accepts it). */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!(req.headers['content-type'] ?? '').includes('application/json')) {
    return new URLSearchParams(text);
  }
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') form.set(k, v);
    return form;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
