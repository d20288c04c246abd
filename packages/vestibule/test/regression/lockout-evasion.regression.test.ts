// Issue 12: ways an attacker could get more than 5 password guesses per account past the lockout,
// or learn whether an account exists from it. Each is pinned here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { startUpstream, type Upstream } from '../support/gateway-stack.ts';
import { loginForm, startProtectedEdge } from '../support/protected-edge.ts';

type Edge = Awaited<ReturnType<typeof startProtectedEdge>>;

describe('lockout evasion', () => {
  let kratos: FakeKratos;
  let upstream: Upstream;
  let edge: Edge;
  const clock = Date.parse('2026-12-07T10:00:00Z');

  before(async () => {
    kratos = await startFakeKratos();
    upstream = await startUpstream();
    edge = await startProtectedEdge({
      kratosURL: kratos.url,
      upstreamURL: upstream.url,
      now: () => clock,
      // A high address limit: these tests are about the identifier's counter.
      protection: { login: { address: { max_failures: 10_000 } } },
    });
  });
  after(async () => {
    await edge.close();
    await upstream.close();
    await kratos.close();
  });

  const post = (body: string, contentType: string, accept = 'application/json') =>
    fetch(`${edge.url}/api/ory/self-service/login?flow=${crypto.randomUUID()}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': contentType, accept },
      body,
    });

  it('spellings Kratos treats as one identifier share one counter (case, spaces, NFKC)', async () => {
    const spellings = [
      'alice@example.com',
      'ALICE@example.com',
      ' alice@example.com ',
      'ａｌｉｃｅ@example.com',
      'Alice@Example.COM',
    ];
    for (const s of spellings) await loginForm(edge.url, s, 'wrong', { json: true });
    const res = await loginForm(edge.url, 'alice@EXAMPLE.com', 'right', { json: true });
    assert.equal(res.status, 429);
  });

  it('a JSON key in another case (Go matches struct fields case-insensitively) is the identifier', async () => {
    for (let i = 0; i < 5; i++) {
      await post(
        JSON.stringify({ method: 'password', IDENTIFIER: 'bob@example.com', password: 'x' }),
        'application/json',
      );
    }
    assert.equal(
      (await loginForm(edge.url, 'bob@example.com', 'right', { json: true })).status,
      429,
    );
  });

  it('a body naming two different identifiers is refused, not forwarded', async () => {
    const before = kratos.submits;
    const form = await post(
      'identifier=carol@example.com&identifier=dave@example.com&password=x',
      'application/x-www-form-urlencoded',
    );
    assert.equal(form.status, 400);
    const json = await post(
      '{"identifier":"carol@example.com","Identifier":"dave@example.com","password":"x"}',
      'application/json',
    );
    assert.equal(json.status, 400);
    assert.equal(kratos.submits, before);
  });

  it('multipart bodies are read too', async () => {
    for (let i = 0; i < 5; i++) {
      const form = new FormData();
      form.set('method', 'password');
      form.set('identifier', 'erin@example.com');
      form.set('password', `guess-${i}`);
      await fetch(`${edge.url}/api/ory/self-service/login?flow=${crypto.randomUUID()}`, {
        method: 'POST',
        redirect: 'manual',
        body: form,
      });
    }
    assert.equal(
      (await loginForm(edge.url, 'erin@example.com', 'right', { json: true })).status,
      429,
    );
  });

  it('a body type Kratos would not decode as ours is refused', async () => {
    const res = await post('identifier=frank@example.com&password=x', 'text/plain');
    assert.equal(res.status, 400);
  });

  it('path spellings of the login submit go through the pipeline', async () => {
    for (let i = 0; i < 5; i++) {
      await fetch(`${edge.url}/api/ory/self-service%2flogin?flow=${crypto.randomUUID()}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ identifier: 'gina@example.com', password: 'x', method: 'password' }),
      });
    }
    assert.equal(
      (await loginForm(edge.url, 'gina@example.com', 'right', { json: true })).status,
      429,
    );
  });

  it('known and unknown identifiers: same statuses, body shapes and lock behaviour', async () => {
    // `known@…` has the password "right" at the fake Kratos; "nobody@…" has no account. The lock
    // never asks Kratos which is which.
    const run = async (identifier: string) => {
      const trace: Array<{ status: number; retryAfter: string | null; keys: string }> = [];
      for (let i = 0; i < 7; i++) {
        const res = await loginForm(edge.url, identifier, 'wrong', { json: true });
        const body =
          res.status === 429
            ? ((await res.json()) as { error: Record<string, unknown> })
            : undefined;
        if (body) delete body.error.request_id;
        trace.push({
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          keys: JSON.stringify(body),
        });
      }
      return trace;
    };
    assert.deepEqual(await run('known@example.com'), await run('nobody@example.com'));
  });
});

describe('an address rotating through identifiers', () => {
  it('is throttled once its failures pass the address limit', async () => {
    const kratos = await startFakeKratos();
    const upstream = await startUpstream();
    const edge = await startProtectedEdge({
      kratosURL: kratos.url,
      upstreamURL: upstream.url,
      protection: { login: { address: { max_failures: 3, window: '1h', lock: '10m' } } },
    });
    try {
      for (let i = 0; i < 3; i++) {
        await loginForm(edge.url, `spray-${i}@example.com`, 'Winter2026!', { json: true });
      }
      const before = kratos.submits;
      const res = await loginForm(edge.url, 'spray-9@example.com', 'Winter2026!', { json: true });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), String(10 * 60));
      assert.equal(kratos.submits, before);
    } finally {
      await edge.close();
      await upstream.close();
      await kratos.close();
    }
  });
});
