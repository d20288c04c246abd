import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secondFactorRequiredDecision } from '../../src/app/responses.ts';

// The gateway (API clients on aal2 routes) and requireUser (direct mode) both build this refusal;
// pinning it here pins both, so the two cannot answer the same condition differently.
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
