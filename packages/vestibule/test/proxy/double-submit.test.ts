import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DoubleSubmitGuard,
  guardedFlowId,
  submitKey,
  type ResponseSnapshot,
} from '../../src/proxy/double-submit.ts';

const CSRF = 'csrf_token_abc=tok=';

function fakeClock() {
  let now = 1_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function snapshot(status: number, body = 'ok'): ResponseSnapshot {
  return {
    status,
    headers: [
      ['location', '/welcome'],
      ['set-cookie', 'ory_kratos_session=s1; Path=/'],
    ],
    body: new TextEncoder().encode(body),
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const key = (body: string, cookie = `a=1; ${CSRF}`, flowId = 'f1') =>
  submitKey({ flowId, headers: new Headers({ cookie }), body: new TextEncoder().encode(body) });

describe('double-submit guard', () => {
  test('only POST submits of single-use flows with a flow id and a Kratos credential are guarded', () => {
    const h = new Headers({ cookie: CSRF });
    const q = new URLSearchParams('flow=f1');
    assert.equal(guardedFlowId('POST', ['self-service', 'login'], q, h), 'f1');
    assert.equal(guardedFlowId('POST', ['self-service', 'settings'], q, h), 'f1');
    assert.equal(guardedFlowId('GET', ['self-service', 'login'], q, h), undefined);
    assert.equal(guardedFlowId('POST', ['self-service', 'login', 'api'], q, h), undefined);
    assert.equal(guardedFlowId('POST', ['self-service', 'logout'], q, h), undefined);
    assert.equal(
      guardedFlowId('POST', ['self-service', 'login'], new URLSearchParams(), h),
      undefined,
    );
    assert.equal(
      guardedFlowId('POST', ['self-service', 'login'], q, new Headers({ cookie: 'other=1' })),
      undefined,
      'no CSRF/session cookie: nothing ties two submits to one browser',
    );
    assert.equal(
      guardedFlowId('POST', ['self-service', 'login'], q, new Headers({ 'x-session-token': 't' })),
      'f1',
    );
  });

  test('the key ignores unrelated cookies but not the flow, the credential or the body', () => {
    assert.equal(key('p=1', `a=1; ${CSRF}`), key('p=1', `${CSRF}; zz=9`));
    assert.notEqual(key('p=1'), key('p=2'));
    assert.notEqual(key('p=1'), key('p=1', 'csrf_token_abc=other'));
    assert.notEqual(key('p=1'), key('p=1', `a=1; ${CSRF}`, 'f2'));
  });

  test('a duplicate while the first is in flight waits for it and gets its answer', async () => {
    const guard = new DoubleSubmitGuard({ windowMs: 5_000, maxEntries: 10, ...fakeClock() });
    const upstream = deferred<ResponseSnapshot>();
    let forwarded = 0;
    const forward = () => {
      forwarded++;
      return upstream.promise;
    };
    const first = guard.run(key('p'), forward);
    const second = guard.run(key('p'), forward);
    assert.deepEqual(guard.size, { inFlight: 1, completed: 0 });
    upstream.resolve(snapshot(303));
    const [a, b] = await Promise.all([first, second]);
    assert.equal(forwarded, 1);
    assert.equal(a.replayed, false);
    assert.equal(b.replayed, true);
    assert.deepEqual(b.snapshot, a.snapshot);
  });

  test('a success is replayed within the window, and forwarded again after it (fake clock)', async () => {
    const clock = fakeClock();
    const guard = new DoubleSubmitGuard({ windowMs: 5_000, maxEntries: 10, now: clock.now });
    let forwarded = 0;
    const forward = async () => (forwarded++, snapshot(303));
    await guard.run(key('p'), forward);
    clock.advance(4_999);
    assert.equal((await guard.run(key('p'), forward)).replayed, true);
    clock.advance(2);
    assert.equal((await guard.run(key('p'), forward)).replayed, false);
    assert.equal(forwarded, 2);
  });

  test('a failed submit (4xx/5xx) is not remembered: the flow was not consumed', async () => {
    const guard = new DoubleSubmitGuard({ windowMs: 5_000, maxEntries: 10, ...fakeClock() });
    let forwarded = 0;
    const forward = async () => (forwarded++, snapshot(400));
    await guard.run(key('p'), forward);
    await guard.run(key('p'), forward);
    assert.equal(forwarded, 2);
  });

  test('memory is bounded: the oldest remembered submit is evicted, in-flight overflow bypasses', async () => {
    const guard = new DoubleSubmitGuard({ windowMs: 5_000, maxEntries: 2, ...fakeClock() });
    for (const body of ['1', '2', '3']) await guard.run(key(body), async () => snapshot(303));
    assert.equal(guard.size.completed, 2);
    assert.equal((await guard.run(key('1'), async () => snapshot(303))).replayed, false);
    const held = [deferred<ResponseSnapshot>(), deferred<ResponseSnapshot>()];
    const running = held.map((d, i) => guard.run(key(`held${i}`), () => d.promise));
    let bypassed = false;
    await guard.run(key('held-extra'), async () => ((bypassed = true), snapshot(303)));
    assert.ok(bypassed);
    held.forEach((d) => d.resolve(snapshot(303)));
    await Promise.all(running);
  });
});
