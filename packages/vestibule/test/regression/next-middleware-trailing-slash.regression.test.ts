// Next.js middleware bypass: a protected prefix with a trailing slash let /admin through, and rules
// matched request.url rather than the path Next routes (%61dmin, dot segments, //). Fixed in e626d8d.
// A vestibule stand-in that refuses everyone makes matching observable: 401/403 = checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextAuth } from '../../src/adapters/next.ts';
import type { Vestibule } from '../../src/app/vestibule.ts';

const refuseAll = {
  requireUser: async () => ({ user: null, response: new Response(null, { status: 401 }) }),
  requireRole: async () => ({ user: null, response: new Response(null, { status: 403 }) }),
} as unknown as Vestibule;

async function outcome(
  middleware: (request: Request) => Promise<Response | undefined>,
  url: string,
  nextPathname?: string,
): Promise<number | 'passed'> {
  const request = new Request(url);
  if (nextPathname !== undefined) Object.assign(request, { nextUrl: { pathname: nextPathname } });
  const response = await middleware(request);
  return response ? response.status : 'passed';
}

test('a prefix with or without a trailing slash protects the bare path, its query and everything under it', async () => {
  for (const prefix of ['/admin', '/admin/']) {
    const mw = nextAuth(refuseAll).middleware([{ prefix, roles: ['admin'] }]);
    for (const path of ['/admin', '/admin?tab=users', '/admin/', '/admin/users']) {
      assert.equal(
        await outcome(mw, `http://app.test${path}`),
        403,
        `${prefix} must cover ${path}`,
      );
    }
    for (const path of ['/administrator', '/', '/blog/admin']) {
      assert.equal(await outcome(mw, `http://app.test${path}`), 'passed', `${prefix} vs ${path}`);
    }
  }
});

test('paths are matched as the edge normalises them: encoded letters, dot segments, doubled slashes', async () => {
  const mw = nextAuth(refuseAll).middleware([{ prefix: '/account' }]);
  for (const path of ['/%61ccount', '/public/../account/x', '//account', '/account/./x']) {
    assert.equal(await outcome(mw, `http://app.test${path}`), 401, path);
  }
});

test('a path the edge would refuse (encoded slash, ..;) is refused, not guessed at', async () => {
  const mw = nextAuth(refuseAll).middleware([{ prefix: '/account' }]);
  for (const path of ['/public%2F..%2Faccount', '/public/..;/account']) {
    const request = new Request(`http://app.test${path}`, {
      headers: { accept: 'application/json' },
    });
    const response = await mw(request);
    assert.equal(response?.status, 400, path);
    assert.equal(
      ((await response!.json()) as { error: { code: string } }).error.code,
      'BAD_REQUEST_TARGET',
    );
  }
});

test("Next's nextUrl.pathname (without basePath) is what is matched, not request.url", async () => {
  const mw = nextAuth(refuseAll).middleware([{ prefix: '/admin', roles: ['admin'] }]);
  // basePath /app: request.url is /app/admin, Next routes /admin.
  assert.equal(await outcome(mw, 'http://app.test/app/admin', '/admin'), 403);
  assert.equal(await outcome(mw, 'http://app.test/app/blog', '/blog'), 'passed');
});

test('a prefix that is not a plain path is a startup error', () => {
  for (const prefix of ['admin', '/admin?x=1', '/a%2Fb', 'https://x/admin']) {
    assert.throws(() => nextAuth(refuseAll).middleware([{ prefix }]), /plain path/, prefix);
  }
});
