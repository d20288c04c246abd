import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVestibule, targetOf } from '../../src/app/vestibule.ts';
import { encodeIdentity, signIdentityHeaders } from '../../src/identity-headers/sign.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';

const SECRET = 'app-unit-test-secret-0123456789abcdef';

test('createVestibule validates its options, naming the option', () => {
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /mode/],
    [{ mode: 'magic' }, /mode/],
    [{ mode: 'header' }, /headerSecret/],
    [{ mode: 'header', headerSecret: 'short' }, /headerSecret/],
    [{ mode: 'direct' }, /kratosPublicURL/],
    [{ mode: 'direct', kratosPublicURL: 'not a url' }, /kratosPublicURL/],
    [{ mode: 'header', headerSecret: SECRET, loginURL: 'login' }, /loginURL/],
    [{ mode: 'header', headerSecret: SECRET, publicURL: '::' }, /publicURL/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => createVestibule(options as never),
      (err: unknown) => err instanceof TypeError && message.test(err.message),
    );
  }
});

test('targetOf keeps origin-form targets as paths (never an authority)', () => {
  assert.equal(targetOf('/a/b?x=1'), '/a/b?x=1');
  assert.equal(targetOf('//evil.example/x'), '//evil.example/x');
  assert.equal(targetOf('http://app.example/a/../b?q'), '/b?q');
});

const vestibule = () =>
  createVestibule({
    mode: 'header',
    headerSecret: SECRET,
    publicURL: 'https://app.example',
    logger: createMemoryLogger(),
  });
const anonymous = (path: string, extra: Record<string, string> = {}) =>
  new Request(`http://internal:4001${path}`, {
    headers: {
      ...Object.fromEntries(signIdentityHeaders(SECRET, { method: 'GET', path }, null)),
      ...extra,
    },
  });

test('redirects use publicURL for return_to and mark the loop-guard cookie Secure on https', async () => {
  const { response } = await vestibule().requireUser(
    anonymous('/notes?page=2', { accept: 'text/html' }),
  );
  assert.equal(response?.status, 303);
  assert.equal(
    response?.headers.get('location'),
    `/login?return_to=${encodeURIComponent('https://app.example/notes?page=2')}`,
  );
  assert.match(response?.headers.get('set-cookie') ?? '', /; Secure$/);
});

test('the login page itself is never redirected to login', async () => {
  const { response } = await vestibule().requireUser(anonymous('/login', { accept: 'text/html' }));
  assert.equal(response?.status, 401);
});

test('getUser and requireUser on the same request verify once (replay protection stays quiet)', async () => {
  const v = vestibule();
  const path = '/x';
  const values = encodeIdentity({ id: 'id-1', email: 'a@example.com', role: 'user' });
  const request = new Request(`http://internal${path}`, {
    headers: Object.fromEntries(signIdentityHeaders(SECRET, { method: 'GET', path }, values)),
  });
  assert.equal((await v.getUser(request))?.id, 'id-1');
  assert.equal((await v.requireUser(request)).user?.id, 'id-1');
  assert.equal((await v.requireRole(request, ['user', 'admin'])).user?.id, 'id-1');
  assert.throws(() => v.requireRole(request, []), /at least one role/);
});

test('HTML deny pages escape everything they print', async () => {
  const { response } = await vestibule().requireUser(
    new Request('http://internal/x', {
      headers: { accept: 'text/html', 'x-request-id': 'abc<script>12' },
    }),
  );
  const html = await response!.text();
  assert.doesNotMatch(html, /<script>/);
});

test('getUser (header mode) rejects forged, replayed and expired signatures: null, and requireUser answers 401, never a redirect', async () => {
  const clock = { now: Date.parse('2030-01-01T00:00:00Z') };
  const v = createVestibule({
    mode: 'header',
    headerSecret: SECRET,
    logger: createMemoryLogger(),
    now: () => clock.now,
  });
  const path = '/account';
  const values = encodeIdentity({ id: 'id-1', email: 'a@example.com', role: 'user' });
  const signed = (at: number, secret = SECRET) =>
    Object.fromEntries(signIdentityHeaders(secret, { method: 'GET', path }, values, at));
  const request = (headers: Record<string, string>) =>
    new Request(`http://internal${path}`, { headers: { ...headers, accept: 'text/html' } });

  const genuine = signed(clock.now);
  assert.equal((await v.getUser(request(genuine)))?.id, 'id-1');
  const cases: Array<[string, Record<string, string>]> = [
    ['replayed', genuine],
    ['forged role', { ...signed(clock.now), 'x-user-role': 'admin' }],
    ['forged id', { ...signed(clock.now), 'x-user-id': 'id-2' }],
    ['wrong secret', signed(clock.now, 'a-different-secret-that-is-long-enough')],
    ['expired', signed(clock.now - 31_000)],
    ['from the future', signed(clock.now + 60_000)],
  ];
  for (const [name, headers] of cases) {
    assert.equal(await v.getUser(request(headers)), null, name);
    const { response } = await v.requireUser(request(headers));
    assert.equal(response?.status, 401, name);
  }
});
