import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  secondFactorRequiredDecision,
  sessionNotVisibleDecision,
  sessionRequiredDecision,
} from '../../src/app/responses.ts';

// The gateway and requireUser both build these refusals (through loginRedirectOrRefusal); pinning
// them here pins both, so the two cannot answer the same condition differently.
test('second factor required: 403 session_aal2_required, JSON for APIs, HTML for browsers', () => {
  const api = secondFactorRequiredDecision({ requestId: 'req-1', html: false });
  assert.equal(api.status, 403);
  assert.equal(api.headers['cache-control'], 'no-store');
  assert.equal(api.headers['x-request-id'], 'req-1');
  assert.match(String(api.headers['content-type']), /^application\/json/);
  assert.deepEqual(JSON.parse(api.body), {
    error: {
      code: 403,
      id: 'session_aal2_required',
      message: 'A second factor is required. Finish signing in to continue.',
      request_id: 'req-1',
    },
  });
  const page = secondFactorRequiredDecision({ requestId: 'req-<2>', html: true });
  assert.equal(page.status, 403);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /A second factor is required\. Finish signing in to continue\./);
  assert.match(page.body, /req-&lt;2&gt;/, 'the request id is escaped');
});

test('session required: 401 session_required, JSON for APIs, HTML for browsers', () => {
  const api = sessionRequiredDecision({ requestId: 'req-1', html: false });
  assert.equal(api.status, 401);
  assert.equal(api.headers['cache-control'], 'no-store');
  assert.equal(api.headers['x-request-id'], 'req-1');
  assert.match(String(api.headers['content-type']), /^application\/json/);
  assert.deepEqual(JSON.parse(api.body), {
    error: {
      code: 401,
      id: 'session_required',
      message: 'Please sign in to continue.',
      request_id: 'req-1',
    },
  });
  const page = sessionRequiredDecision({ requestId: 'req-<2>', html: true });
  assert.equal(page.status, 401);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /<h1>Please sign in to continue\.<\/h1>/);
  assert.match(page.body, /req-&lt;2&gt;/, 'the request id is escaped');
});

test('session not visible: 401 session_not_visible, JSON for APIs, HTML for browsers', () => {
  const message =
    'We could not confirm your sign-in. Check that cookies are enabled and try again.';
  const api = sessionNotVisibleDecision({ requestId: 'req-1', html: false });
  assert.equal(api.status, 401);
  assert.equal(api.headers['cache-control'], 'no-store');
  assert.equal(api.headers['x-request-id'], 'req-1');
  assert.match(String(api.headers['content-type']), /^application\/json/);
  assert.deepEqual(JSON.parse(api.body), {
    error: { code: 401, id: 'session_not_visible', message, request_id: 'req-1' },
  });
  const page = sessionNotVisibleDecision({ requestId: 'req-<2>', html: true });
  assert.equal(page.status, 401);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.ok(page.body.includes(`<h1>${message}</h1>`), page.body);
  assert.match(page.body, /req-&lt;2&gt;/, 'the request id is escaped');
});
