// A small stand-in for Kratos's `GET /sessions/whoami`, enough to test the session cache, the gateway
// and getUser() before (and besides) the embedded identity server. Controls let tests stop it,
// restart it on the same port, slow it down or make it answer 500.
import { createServer, type Server } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { KratosSession } from '../../src/session/types.ts';

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
  whoamiCalls: number;
  /** 'ok' normal, 'error' → 500, 'hang' → never answers. */
  mode: 'ok' | 'error' | 'hang';
  /** Delay before answering, for single-flight tests. */
  delayMs: number;
  addSession(input?: FakeSessionInput): { token: string; session: KratosSession };
  revoke(token: string): void;
  /** The session's second factor is done: whoami answers 200 again for the same credential. */
  completeSecondFactor(token: string): void;
  setRole(identityId: string, role: string | undefined): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeKratos(options: { cookieName?: string } = {}): Promise<FakeKratos> {
  const cookieName = options.cookieName ?? 'ory_kratos_session';
  const sessions = new Map<string, KratosSession>();
  const needsSecondFactor = new Set<string>();
  let server: Server | undefined;
  const fake: FakeKratos = {
    url: '',
    port: 0,
    whoamiCalls: 0,
    mode: 'ok',
    delayMs: 0,
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
        fake.whoamiCalls++;
        const answer = () => {
          if (fake.mode === 'error') {
            res
              .writeHead(500, { 'content-type': 'application/json' })
              .end('{"error":{"code":500}}');
            return;
          }
          if (req.url !== '/sessions/whoami') return void res.writeHead(404).end();
          const token =
            (req.headers['x-session-token'] as string | undefined) ??
            cookieValue(req.headers.cookie, cookieName);
          const session = token ? sessions.get(token) : undefined;
          if (!session || Date.parse(session.expires_at!) <= Date.now()) {
            res.writeHead(401, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({
                error: { code: 401, status: 'Unauthorized', id: 'session_inactive' },
              }),
            );
            return;
          }
          if (needsSecondFactor.has(token!)) {
            // Kratos's ErrAALNotSatisfied body (see docs/kratos-contract.md: whoami 403).
            res.writeHead(403, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({
                error: { code: 403, status: 'Forbidden', id: 'session_aal2_required' },
                redirect_browser_to: `${fake.url}/self-service/login/browser?aal=aal2`,
              }),
            );
            return;
          }
          res.writeHead(200, {
            'content-type': 'application/json',
            'x-kratos-authenticated-identity-id': session.identity.id,
          });
          res.end(JSON.stringify(session));
        };
        if (fake.delayMs > 0) setTimeout(answer, fake.delayMs);
        else answer();
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
