// Issue 12: recovery and verification throttles, and the settings/recovery audit events and security
// notices, against a small Kratos double that answers those flows the way Kratos does.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startUpstream, type Upstream } from '../support/gateway-stack.ts';
import { adminCall, recordingNotifier, startProtectedEdge } from '../support/protected-edge.ts';

type Edge = Awaited<ReturnType<typeof startProtectedEdge>>;
const IDENTITY = '0b5a1c1e-7d1f-4c55-9a43-2f0f3d2b0001';

describe('recovery, verification and settings through the pipeline', () => {
  let kratos: Server;
  let kratosURL: string;
  let upstream: Upstream;
  let edge: Edge;
  const notifier = recordingNotifier();
  let email = 'old@example.com';
  let sends = 0;

  before(async () => {
    kratos = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://kratos');
        const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(value));
        };
        if (url.pathname === '/sessions/whoami') {
          if (!(req.headers.cookie ?? '').includes('ory_kratos_session='))
            return json(401, { error: { code: 401 } });
          return json(200, {
            id: 's1',
            active: true,
            expires_at: '2099-01-01T00:00:00Z',
            identity: { id: IDENTITY, schema_id: 'default', state: 'active', traits: { email } },
          });
        }
        if (url.pathname === '/self-service/recovery') {
          const form = new URLSearchParams(body);
          if (form.get('code')) {
            return form.get('code') === '123456'
              ? json(
                  422,
                  {
                    error: { id: 'browser_location_change_required' },
                    redirect_browser_to: '/settings',
                  },
                  { 'set-cookie': 'ory_kratos_session=recovered; Path=/; HttpOnly' },
                )
              : json(400, {
                  id: url.searchParams.get('flow'),
                  ui: { messages: [{ id: 4060006 }] },
                });
          }
          sends++;
          return json(200, { id: url.searchParams.get('flow'), state: 'sent_email' });
        }
        if (url.pathname === '/self-service/login') {
          res.writeHead(303, {
            location: 'http://localhost/welcome',
            'set-cookie': 'ory_kratos_session=signed-in; Path=/; HttpOnly',
          });
          return void res.end();
        }
        if (url.pathname === '/self-service/verification')
          return json(200, { state: 'sent_email' });
        if (url.pathname === '/self-service/settings') {
          const form = JSON.parse(body) as { method: string; traits?: { email: string } };
          if (form.method === 'profile' && form.traits) email = form.traits.email;
          return json(200, {
            id: url.searchParams.get('flow'),
            state: 'success',
            identity: { id: IDENTITY, traits: { email } },
          });
        }
        json(404, { error: { code: 404 } });
      });
    });
    await new Promise<void>((resolve) => kratos.listen(0, '127.0.0.1', resolve));
    kratosURL = `http://127.0.0.1:${(kratos.address() as AddressInfo).port}`;
    upstream = await startUpstream();
    edge = await startProtectedEdge({
      kratosURL,
      upstreamURL: upstream.url,
      securityNotifier: notifier,
      protection: {
        recovery: { send_per_identifier: { max: 2 }, code_per_flow: { max: 3 } },
        verification: { send_per_address: { max: 2 } },
      },
    });
  });
  after(async () => {
    await edge.close();
    await upstream.close();
    await new Promise<void>((resolve) => kratos.close(() => resolve()));
  });

  const form = (flow: string, fields: Record<string, string>, path = 'recovery') =>
    fetch(`${edge.url}/api/ory/self-service/${path}?flow=${flow}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
    });

  it('recovery sends are throttled per identifier (no mail bombing), whatever the spelling', async () => {
    assert.equal((await form('f1', { method: 'code', email: 'victim@example.com' })).status, 200);
    assert.equal((await form('f2', { method: 'code', email: 'VICTIM@example.com' })).status, 200);
    const third = await form('f3', { method: 'code', email: 'victim@example.com ' });
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    assert.equal(sends, 2);
  });

  it('recovery code guesses are throttled per flow', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal((await form('flow-x', { method: 'code', code: `00000${i}` })).status, 400);
    assert.equal((await form('flow-x', { method: 'code', code: '123456' })).status, 429);
  });

  it('verification sends are throttled per address', async () => {
    assert.equal(
      (await form('v1', { method: 'code', email: 'a@example.com' }, 'verification')).status,
      200,
    );
    assert.equal(
      (await form('v2', { method: 'code', email: 'b@example.com' }, 'verification')).status,
      200,
    );
    assert.equal(
      (await form('v3', { method: 'code', email: 'c@example.com' }, 'verification')).status,
      429,
    );
  });

  it('a recovery code that works: recovery_succeeded and an account_recovered notice', async () => {
    const res = await form('flow-y', { method: 'code', code: '123456' });
    assert.equal(res.status, 422);
    const notice = notifier.notices.find((n) => n.kind === 'account_recovered');
    assert.equal(notice?.to, 'old@example.com');
    assert.equal(notice?.identityId, IDENTITY);
    const events = (
      (await (await adminCall(edge.url, `/audit?identity=${IDENTITY}`)).json()) as {
        events: Array<{ event: string }>;
      }
    ).events;
    assert.ok(events.some((e) => e.event === 'recovery_succeeded'));
  });

  it('an email change is noticed to the OLD address; a password change too', async () => {
    const settings = (body: unknown) =>
      fetch(`${edge.url}/api/ory/self-service/settings?flow=sf`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          cookie: 'ory_kratos_session=abc',
        },
        body: JSON.stringify(body),
      });
    assert.equal(
      (await settings({ method: 'profile', traits: { email: 'new@example.com' } })).status,
      200,
    );
    const changed = notifier.notices.find((n) => n.kind === 'email_changed');
    assert.deepEqual(
      changed && { to: changed.to, newEmail: changed.newEmail, identityId: changed.identityId },
      { to: 'old@example.com', newEmail: 'new@example.com', identityId: IDENTITY },
    );
    assert.equal(
      (await settings({ method: 'password', password: 'n3w-secret-passphrase' })).status,
      200,
    );
    const password = notifier.notices.find((n) => n.kind === 'password_changed');
    assert.equal(password?.to, 'new@example.com');
    const events = (
      (await (await adminCall(edge.url, `/audit?identity=${IDENTITY}`)).json()) as {
        events: Array<{ event: string }>;
      }
    ).events.map((e) => e.event);
    assert.ok(events.includes('email_changed'));
    assert.ok(events.includes('password_changed'));
    assert.ok(!JSON.stringify(edge.logger.lines).includes('n3w-secret-passphrase'));
  });

  it('a browser login: login_succeeded carries the identity id, learnt from the session it set', async () => {
    const res = await form(
      'lf',
      { method: 'password', identifier: 'someone@example.com', password: 'x' },
      'login',
    );
    assert.equal(res.status, 303);
    const events = (
      (await (await adminCall(edge.url, `/audit?identity=${IDENTITY}`)).json()) as {
        events: Array<{ event: string }>;
      }
    ).events;
    assert.ok(events.some((e) => e.event === 'login_succeeded'));
  });
});
