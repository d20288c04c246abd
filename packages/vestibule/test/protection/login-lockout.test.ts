// Issue 12: the edge's submit pipeline locks an identifier after 5 failed logins, atomically, the
// same way for known and unknown identifiers, and records every attempt in the audit log.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { startUpstream, type Upstream } from '../support/gateway-stack.ts';
import { adminCall, loginForm, startProtectedEdge } from '../support/protected-edge.ts';

type Edge = Awaited<ReturnType<typeof startProtectedEdge>>;

describe('login lockout through the edge', () => {
  let kratos: FakeKratos;
  let upstream: Upstream;
  let edge: Edge;
  let clock = Date.parse('2026-12-07T10:00:00Z');
  let n = 0;
  const fresh = () => `user-${++n}@example.com`;

  before(async () => {
    kratos = await startFakeKratos();
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

  const submitsFor = (identifier: string) =>
    kratos.seen.filter(
      (r) =>
        r.method === 'POST' &&
        (r.body.includes(encodeURIComponent(identifier)) || r.body.includes(`"${identifier}"`)),
    ).length;

  async function audit(identifier: string): Promise<Array<{ event: string }>> {
    const res = await adminCall(edge.url, `/audit?identifier=${encodeURIComponent(identifier)}`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { events: Array<{ event: string }> }).events;
  }

  it('50 parallel wrong passwords for a fresh identifier: 5 reach Kratos, 50 audit events, locked', async () => {
    const identifier = fresh();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        loginForm(edge.url, identifier, `wrong-${i}`, { json: true }),
      ),
    );
    assert.equal(submitsFor(identifier), 5);
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 429).length, 45);
    const events = await audit(identifier);
    const attempts = events.filter((e) => e.event === 'login_failed' || e.event === 'login_locked');
    assert.equal(attempts.length, 50);
    assert.equal(events.filter((e) => e.event === 'login_failed').length, 5);
    assert.equal(events.filter((e) => e.event === 'lockout_started').length, 1);
    const next = await loginForm(edge.url, identifier, 'right', { json: true });
    assert.equal(next.status, 429);
    assert.equal(submitsFor(identifier), 5);
  });

  it('a locked JSON submit: 429, Retry-After, the usual error body', async () => {
    const identifier = fresh();
    for (let i = 0; i < 5; i++) await loginForm(edge.url, identifier, 'wrong', { json: true });
    const res = await loginForm(edge.url, identifier, 'wrong', { json: true });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), String(15 * 60));
    const body = (await res.json()) as {
      error: { code: string; status: number; message: string; request_id: string };
    };
    assert.equal(body.error.code, 'TOO_MANY_ATTEMPTS');
    assert.equal(body.error.status, 429);
    assert.match(body.error.message, /try again in 15 minutes/);
    assert.equal(body.error.request_id, res.headers.get('x-request-id'));
  });

  it('a locked browser submit goes back to the login page with the lockout notice', async () => {
    const identifier = fresh();
    for (let i = 0; i < 4; i++) {
      const res = await loginForm(edge.url, identifier, 'wrong');
      assert.doesNotMatch(res.headers.getSetCookie().join('\n'), /vestibule_notice/);
    }
    // The failure that starts the lock already carries the notice (Kratos's 303, plus our cookie).
    const fifth = await loginForm(edge.url, identifier, 'wrong');
    assert.equal(fifth.status, 303);
    assert.match(
      fifth.headers.getSetCookie().join('\n'),
      /vestibule_notice=too_many_attempts\.15;/,
    );
    const flow = crypto.randomUUID();
    const res = await loginForm(edge.url, identifier, 'wrong', { flow });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), `/login?flow=${flow}`);
    assert.match(res.headers.getSetCookie().join('\n'), /vestibule_notice=too_many_attempts\.15;/);
  });

  it('the lock doubles on a repeat', async () => {
    const identifier = fresh();
    for (let i = 0; i < 5; i++) await loginForm(edge.url, identifier, 'wrong', { json: true });
    clock += 15 * 60_000;
    for (let i = 0; i < 5; i++) await loginForm(edge.url, identifier, 'wrong', { json: true });
    const res = await loginForm(edge.url, identifier, 'wrong', { json: true });
    assert.equal(res.headers.get('retry-after'), String(30 * 60));
  });

  it('a success resets the failure count but not an active lock', async () => {
    const identifier = fresh();
    for (let i = 0; i < 4; i++) await loginForm(edge.url, identifier, 'wrong');
    const ok = await loginForm(edge.url, identifier, 'right');
    assert.equal(ok.status, 303);
    assert.match(ok.headers.getSetCookie().join('\n'), /ory_kratos_session=/);
    for (let i = 0; i < 4; i++)
      assert.equal(
        (await loginForm(edge.url, identifier, 'wrong')).headers
          .get('location')
          ?.includes('vestibule_notice'),
        false,
      );
    const before = submitsFor(identifier);
    await loginForm(edge.url, identifier, 'wrong'); // the 5th failure since the success: locked
    assert.equal((await loginForm(edge.url, identifier, 'right')).status, 303);
    assert.equal(submitsFor(identifier), before + 1, 'the right password does not pass a lock');
    const events = (await audit(identifier)).map((e) => e.event);
    assert.ok(events.includes('login_succeeded'));
  });

  it('forwards the body byte-identical', async () => {
    const identifier = fresh();
    const body =
      'method=password&identifier=' +
      encodeURIComponent(identifier) +
      '&password=%C3%A9wrong&csrf_token=a%2Bb%3D';
    await fetch(`${edge.url}/api/ory/self-service/login?flow=${crypto.randomUUID()}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const seen = kratos.seen.filter((r) => r.body.includes(encodeURIComponent(identifier)));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.body, body);
  });

  it('audit lines never carry the password', async () => {
    const identifier = fresh();
    await loginForm(edge.url, identifier, 'hunter2-secret-password');
    const lines = edge.logger.lines.filter((l) => l.audit);
    assert.ok(lines.length > 0);
    const text = JSON.stringify(edge.logger.lines);
    assert.ok(!text.includes('hunter2-secret-password'));
    assert.ok(!text.includes(identifier), 'the identifier is logged only as a keyed hash');
  });

  it('the admin endpoint lists and clears a lock, and refuses without the secret', async () => {
    const identifier = fresh();
    for (let i = 0; i < 5; i++) await loginForm(edge.url, identifier, 'wrong');
    const list = (await (await adminCall(edge.url, '/lockouts')).json()) as {
      lockouts: Array<{ key: string; locked_until: string | null }>;
    };
    assert.ok(list.lockouts.some((l) => l.key === identifier && l.locked_until));
    const refused = await fetch(`${edge.url}/.vestibule/protection/lockouts`, {
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(refused.status, 401);
    const cleared = await adminCall(edge.url, '/lockouts/clear', {
      method: 'POST',
      body: JSON.stringify({ identifier: identifier.toUpperCase() }),
    });
    assert.deepEqual(await cleared.json(), { cleared: true });
    assert.equal((await loginForm(edge.url, identifier, 'right')).status, 303);
    assert.ok((await audit(identifier)).some((e) => e.event === 'lockout_cleared'));
  });
  it('second-factor guesses (no identifier) lock per session: 5 reach Kratos, a new flow does not help', async () => {
    const session = `aal1-${crypto.randomUUID()}`; // unknown to whoami: counted by the session
    const totp = (cookie: string, code: string) =>
      fetch(`${edge.url}/api/ory/self-service/login?flow=${crypto.randomUUID()}`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `ory_kratos_session=${cookie}`,
        },
        body: new URLSearchParams({ method: 'totp', totp_code: code }).toString(),
      });
    const guesses = () => kratos.seen.filter((r) => r.body.includes(`totp_code=9`)).length;
    const before = guesses();
    for (let i = 0; i < 5; i++) assert.equal((await totp(session, `90000${i}`)).status, 303);
    const locked = await totp(session, '900009');
    assert.equal(locked.status, 303);
    assert.match(locked.headers.getSetCookie().join('\n'), /vestibule_notice=too_many_attempts/);
    assert.equal(guesses() - before, 5, 'the 6th guess never reached Kratos');
    // Another session (another identity's first factor) is counted apart.
    assert.doesNotMatch(
      (await totp(`aal1-${crypto.randomUUID()}`, '900010')).headers.getSetCookie().join('\n'),
      /vestibule_notice/,
    );
    assert.equal(guesses() - before, 6);
  });
});
