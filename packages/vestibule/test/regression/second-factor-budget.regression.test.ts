// Regression (issue 12): under Kratos's default `session.whoami.required_aal: highest_available`,
// whoami refuses the aal1 session a password login leaves, and Kratos's answer omits the identity,
// so second-factor guesses were counted per session — someone who knew the password bought five
// fresh TOTP guesses with every new password login. The session is now tied to the first factor's
// identifier when Kratos asks for the second factor, and every session of that identifier shares one
// second-factor counter. The Kratos double answers as Kratos's login hook does for an identity with
// a second factor (browser: 303 to `…/login/browser?aal=aal2` with the session cookie; API: 200 with
// the token and no identity) and its whoami answers 403 `session_aal2_required` for those sessions.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sendJSON, startStub, type SeenRequest, type Stub } from '../support/http-stubs.ts';
import { startUpstream, type Upstream } from '../support/gateway-stack.ts';
import { adminCall, loginForm, startProtectedEdge } from '../support/protected-edge.ts';

type Edge = Awaited<ReturnType<typeof startProtectedEdge>>;

function kratosWithSecondFactor(): Promise<Stub> {
  const aal1 = new Set<string>();
  return startStub((req: SeenRequest, res, baseURL) => {
    const url = new URL(req.url, baseURL);
    if (url.pathname === '/sessions/whoami') {
      const token =
        (req.headers['x-session-token'] as string | undefined) ??
        /ory_kratos_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      if (!token || !aal1.has(token)) return sendJSON(res, 401, { error: { code: 401 } });
      return sendJSON(res, 403, {
        error: { code: 403, status: 'Forbidden', id: 'session_aal2_required' },
        redirect_browser_to: `${baseURL}/self-service/login/browser?aal=aal2`,
      });
    }
    if (url.pathname !== '/self-service/login' || req.method !== 'POST') {
      return sendJSON(res, 404, { error: { code: 404 } });
    }
    const flow = url.searchParams.get('flow') ?? '';
    const api = flow.startsWith('api-');
    const fields: Record<string, unknown> = api
      ? (JSON.parse(req.body) as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(req.body));
    const refuse = () => {
      if (api) return sendJSON(res, 400, { id: flow, ui: { messages: [{ id: 4000006 }] } });
      res.writeHead(303, { location: `${baseURL}/login?flow=${flow}` });
      res.end();
    };
    // Every TOTP code is wrong here: only the count of guesses that reach Kratos matters.
    if (fields.method !== 'password' || fields.password !== 'right') return refuse();
    const token = `aal1-${randomUUID()}`;
    aal1.add(token);
    if (api) return sendJSON(res, 200, { session_token: token, session: { id: randomUUID() } });
    res.writeHead(303, {
      location: `${baseURL}/self-service/login/browser?aal=aal2&return_to=`,
      'set-cookie': `ory_kratos_session=${token}; Path=/; HttpOnly; SameSite=Lax`,
    });
    res.end();
  });
}

describe('second-factor guesses after a password login', () => {
  let kratos: Stub;
  let upstream: Upstream;
  let edge: Edge;
  let clock = Date.parse('2026-12-07T10:00:00Z');
  before(async () => {
    kratos = await kratosWithSecondFactor();
    upstream = await startUpstream();
    edge = await startProtectedEdge({
      kratosURL: kratos.url,
      upstreamURL: upstream.url,
      now: () => clock,
    });
  });
  after(async () => {
    await edge.close();
    await upstream.close();
    await kratos.close();
  });
  beforeEach(() => (clock += 48 * 3600_000));

  const guessesSeen = () => kratos.seen.filter((r) => /totp_code/.test(r.body)).length;

  async function browserLogin(identifier: string): Promise<string> {
    const res = await loginForm(edge.url, identifier, 'right');
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location') ?? '', /aal=aal2/);
    return /ory_kratos_session=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))![1]!;
  }
  const browserGuess = (session: string, code: string) =>
    fetch(`${edge.url}/api/ory/self-service/login?flow=${randomUUID()}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `ory_kratos_session=${session}`,
      },
      body: new URLSearchParams({ method: 'totp', totp_code: code }).toString(),
    });

  it('a new password login does not buy new guesses (browser)', async () => {
    const identifier = 'two-factor@example.com';
    const first = await browserLogin(identifier);
    const before = guessesSeen();
    for (let i = 0; i < 5; i++) await browserGuess(first, `10000${i}`);
    assert.equal(guessesSeen() - before, 5);
    const locked = await browserGuess(first, '100009');
    assert.match(locked.headers.getSetCookie().join('\n'), /vestibule_notice=too_many_attempts/);
    // The password still works (the first factor has its own counter) …
    const second = await browserLogin(identifier);
    assert.notEqual(second, first);
    // … but the new session's guesses are the same person's: still locked, never reach Kratos.
    const again = await browserGuess(second, '100010');
    assert.match(again.headers.getSetCookie().join('\n'), /vestibule_notice=too_many_attempts/);
    assert.equal(guessesSeen() - before, 5, 'no guess past the lock reached Kratos');
  });

  it('a new password login does not buy new guesses (API flow, session token)', async () => {
    const identifier = 'two-factor-api@example.com';
    const login = async () => {
      const res = await fetch(`${edge.url}/api/ory/self-service/login?flow=api-${randomUUID()}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ method: 'password', identifier, password: 'right' }),
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { session_token: string }).session_token;
    };
    const guess = (token: string, code: string) =>
      fetch(`${edge.url}/api/ory/self-service/login?flow=api-${randomUUID()}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-session-token': token,
        },
        body: JSON.stringify({ method: 'totp', totp_code: code }),
      });
    const before = guessesSeen();
    const first = await login();
    for (let i = 0; i < 5; i++) assert.equal((await guess(first, `20000${i}`)).status, 400);
    assert.equal((await guess(first, '200009')).status, 429);
    const second = await login();
    assert.equal((await guess(second, '200010')).status, 429);
    assert.equal(guessesSeen() - before, 5);
  });

  it('a junk session cookie beside the real token does not buy new guesses (Kratos would use the token)', async () => {
    const identifier = 'junk-cookie@example.com';
    const res = await fetch(`${edge.url}/api/ory/self-service/login?flow=api-${randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ method: 'password', identifier, password: 'right' }),
    });
    const token = ((await res.json()) as { session_token: string }).session_token;
    const guess = (code: string) =>
      fetch(`${edge.url}/api/ory/self-service/login?flow=api-${randomUUID()}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          // A cookie Kratos cannot decode, so it falls back to the Bearer token: a fresh junk value
          // each time must not be a fresh counter.
          cookie: `ory_kratos_session=junk-${randomUUID()}`,
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ method: 'totp', totp_code: code }),
      });
    const before = guessesSeen();
    for (let i = 0; i < 5; i++) await guess(`40000${i}`);
    assert.equal((await guess('400009')).status, 429);
    assert.equal(guessesSeen() - before, 5, 'no sixth guess reached Kratos');
  });

  it('another identifier is counted apart, and unlocking the identifier unlocks its second factor', async () => {
    const identifier = 'unlock-me@example.com';
    const session = await browserLogin(identifier);
    for (let i = 0; i < 5; i++) await browserGuess(session, `30000${i}`);
    const other = await browserLogin('someone-else@example.com');
    const before = guessesSeen();
    await browserGuess(other, '300010');
    assert.equal(guessesSeen() - before, 1, "another identifier's guesses are not locked");
    const cleared = await adminCall(edge.url, '/lockouts/clear', {
      method: 'POST',
      body: JSON.stringify({ identifier }),
    });
    assert.deepEqual(await cleared.json(), { cleared: true });
    await browserGuess(await browserLogin(identifier), '300011');
    assert.equal(guessesSeen() - before, 2, 'the unlocked second factor reaches Kratos again');
  });
});
