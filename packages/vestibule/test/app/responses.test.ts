import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  forbiddenDecision,
  identityUnavailableDecision,
  secondFactorRequiredDecision,
  sessionNotVisibleDecision,
  sessionRequiredDecision,
  type Decision,
} from '../../src/access/decision.ts';

// The gateway and requireUser both build these refusals (through loginRedirectOrRefusal); pinning
// them here pins both, so the two cannot answer the same condition differently.
const refusals: Array<{
  build: (input: { requestId: string; html: boolean }) => Decision;
  status: number;
  code: string;
  message: string;
}> = [
  {
    build: secondFactorRequiredDecision,
    status: 403,
    code: 'SESSION_AAL2_REQUIRED',
    message: 'A second factor is required. Finish signing in to continue.',
  },
  {
    build: sessionRequiredDecision,
    status: 401,
    code: 'SESSION_REQUIRED',
    message: 'Please sign in to continue.',
  },
  {
    build: sessionNotVisibleDecision,
    status: 401,
    code: 'SESSION_NOT_VISIBLE',
    message: 'We could not confirm your sign-in. Check that cookies are enabled and try again.',
  },
  {
    build: forbiddenDecision,
    status: 403,
    code: 'FORBIDDEN',
    message: 'You do not have access to this page.',
  },
  {
    build: identityUnavailableDecision,
    status: 503,
    code: 'IDENTITY_UNAVAILABLE',
    message: 'Sign-in is temporarily unavailable. Please try again shortly.',
  },
];

for (const { build, status, code, message } of refusals) {
  test(`${code}: ${status}, JSON for APIs, an escaped HTML page for browsers, never cached`, () => {
    const api = build({ requestId: 'req-1', html: false });
    assert.equal(api.status, status);
    assert.equal(api.headers['cache-control'], 'no-store');
    assert.equal(api.headers['x-request-id'], 'req-1');
    assert.match(String(api.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(api.body), {
      error: { code, status, message, request_id: 'req-1' },
    });
    const page = build({ requestId: 'req-<2>', html: true });
    assert.equal(page.status, status);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.ok(page.body.includes(`<h1>${message}</h1>`), page.body);
    assert.match(page.body, /req-&lt;2&gt;/, 'the request id is escaped');
  });
}
