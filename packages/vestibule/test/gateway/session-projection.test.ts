// The gateway caches only the session paths its configuration reads (issue 15, memory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayStack } from '../support/gateway-stack.ts';

test('a rule whose template reads a deep trait gets it, from Kratos and from the cache; unread paths are not retained', async () => {
  const stack = await startGatewayStack({
    rules: [
      {
        id: 'deep',
        path: '/deep',
        mode: 'required',
        headers: {
          'X-Dept': '{{ print .Extra.identity.traits.org.department }}',
          'X-Level': '{{ .Extra.authenticator_assurance_level }}',
        },
      },
    ],
  });
  try {
    const { token } = stack.kratos.addSession({
      traits: {
        email: 'ada@example.com',
        phone: '+15550100',
        org: { department: 'research', cost_centre: 'cc-9' },
      },
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${stack.url}/deep`, { headers: { 'x-session-token': token } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const seen = stack.upstream.seen.at(-1)!;
      assert.equal(seen.headers['x-dept'], 'research');
      assert.equal(seen.headers['x-level'], 'aal1');
      assert.equal(seen.headers['x-user-email'], 'ada@example.com');
    }
    assert.equal(stack.kratos.whoamiCalls, 1, 'the second request was served from the cache');
    const cached = stack.gateway.sessions.cache.peek({ kind: 'token', value: token })!;
    assert.deepEqual(cached.identity.traits, {
      email: 'ada@example.com',
      org: { department: 'research' },
    });
    assert.equal(cached.identity.schema_id, undefined);
    assert.equal(cached.identity.state, undefined);
  } finally {
    await stack.close();
  }
});

test('sessionPaths keeps what a custom permission check reads', async () => {
  const stack = await startGatewayStack({
    rules: [
      {
        id: 'team',
        path: '/team',
        mode: 'permission',
        permission: { namespace: 'teams', relation: 'member' },
      },
    ],
    sessionPaths: ['identity.traits.team'],
    checkPermission: async ({ user }) => user.traits.team === 'blue',
  });
  try {
    const { token } = stack.kratos.addSession({ traits: { email: 'b@example.com', team: 'blue' } });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${stack.url}/team`, { headers: { 'x-session-token': token } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    assert.equal(stack.kratos.whoamiCalls, 1);
  } finally {
    await stack.close();
  }
});
