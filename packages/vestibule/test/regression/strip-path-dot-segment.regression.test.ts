// Path escape through strip_path: /svc../admin with strip_path /svc became /base/../admin upstream,
// climbing out of the upstream's prefix past the rule that was checked. Fixed in 4c8a3c5: a dot
// segment left by stripping is refused with 400 bad_request_target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayStack, startUpstream } from '../support/gateway-stack.ts';

test('strip_path never leaves a dot segment that would climb out of the upstream prefix', async () => {
  const other = await startUpstream();
  const stack = await startGatewayStack({
    rules: [
      {
        regex: '/svc.*',
        mode: 'public',
        upstream: { url: other.url + '/base', stripPath: '/svc' },
      },
    ],
  });
  try {
    // `/svc..` is no dot segment at the edge; after stripping `/svc` it would be `/base/../admin`.
    for (const target of ['/svc../admin/secret', '/svc.', '/svc./x']) {
      assert.equal((await fetch(stack.url + target)).status, 400, target);
    }
    assert.equal(other.seen.length, 0);
    assert.equal((await fetch(stack.url + '/svc/items?x=1')).status, 200);
    assert.deepEqual(
      other.seen.map((s) => s.url),
      ['/base/items?x=1'],
    );
  } finally {
    await stack.close();
    await other.close();
  }
});
