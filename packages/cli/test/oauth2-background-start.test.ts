// `vestibule up` answers before its embedded OAuth2 server is up (it starts after the edge, in the
// background): meanwhile the edge's /oauth2/* pages answer 503 with the request id (no crash, no
// hang), readiness reports Hydra as `starting` (not holding the edge), and both turn good once it is up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from 'vestibule/edge';
import { startStack } from '../src/stack/stack.ts';
import { createProgress } from '../src/terminal/progress.ts';

test('/oauth2/login before the OAuth2 server is up: 503 with the request id; then served', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let output = '';
  const stack = await startStack({
    host: '127.0.0.1',
    ports: { edge: 0, app: 0, kratosPublic: 0, kratosAdmin: 0 },
    env: {},
    admin: { email: 'admin@example.com', password: 'oauth2-background-admin-4000' },
    identity: { bcryptCost: 4 },
    oauth2StartsAfter: gate,
    progress: createProgress((text) => (output += text)),
    logger: createLogger({ level: 'error', write: () => {} }),
  });
  try {
    assert.equal(stack.embeddedOAuth2, true);
    assert.match(stack.hydraAdminURL!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(output, /◌ starting oauth2 server \(in the background\)…/);
    assert.doesNotMatch(output, /✓ oauth2 server/);

    const early = await fetch(`${stack.edgeURL}/oauth2/login?login_challenge=whatever`);
    assert.equal(early.status, 503);
    assert.equal(early.headers.get('retry-after'), '2');
    const requestId = early.headers.get('x-request-id');
    assert.ok(requestId);
    const html = await early.text();
    assert.match(html, /still starting/);
    assert.ok(html.includes(requestId));
    // Starting in the background does not hold the edge's readiness: the rest serves meanwhile.
    const starting = await fetch(`${stack.edgeURL}/health/ready`);
    assert.equal(starting.status, 200);
    assert.deepEqual(await starting.json(), {
      status: 'ok',
      checks: { kratos: true, upstream: true, hydra: 'starting' },
    });

    release();
    await stack.oauth2Ready;
    assert.match(output, /✓ oauth2 server \(in the background\) ready at http:\/\/localhost:\d+/);
    // Now Hydra answers: an unknown challenge is the stale-link page (400), not "starting".
    const later = await fetch(`${stack.edgeURL}/oauth2/login?login_challenge=whatever`);
    assert.equal(later.status, 400);
    assert.doesNotMatch(await later.text(), /still starting/);
    const ready = await fetch(`${stack.edgeURL}/health/ready`);
    assert.deepEqual(await ready.json(), {
      status: 'ok',
      checks: { kratos: true, upstream: true, hydra: true },
    });
  } finally {
    release();
    await stack.stop();
  }
});
