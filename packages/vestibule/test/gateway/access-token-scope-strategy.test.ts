// A rule's `scopes` against real tokens from the embedded Hydra-compatible server, matched as Hydra
// matches them (`hydra.scope_strategy`): a token granted `notes.*` satisfies `notes.read` under
// `wildcard` (Hydra's default) and not under `exact`; a rule can pin its own strategy; the
// setting reaches the gateway from vestibule.yml.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGateway } from '../../src/gateway/index.ts';
import { SECRET, startGatewayStack, type Stack } from '../support/gateway-stack.ts';
import { startConfiguredEdge } from '../support/configured-edge.ts';
import { startEmbeddedHydra, type EmbeddedHydra } from '../support/oauth2-server.ts';

const RULES = [
  { id: 'read', path: '/api/notes/**', mode: 'required' as const, scopes: ['notes.read'] },
  {
    id: 'pinned-exact',
    path: '/api/exact/**',
    mode: 'required' as const,
    scopes: ['notes.read'],
    scope_strategy: 'exact' as const,
  },
];

let hydra: EmbeddedHydra;
let wildcard: Stack;
let exact: Stack;
let client: { id: string; secret: string };
const tokens: Record<string, string> = {};

before(async () => {
  hydra = await startEmbeddedHydra();
  // The client may request these literally (the server's own strategy is wildcard).
  client = await hydra.createClient('notes.* notes notes.read.evil Notes.Read notes.read');
  for (const scope of ['notes.*', 'notes', 'notes.read.evil', 'Notes.Read', 'notes.read']) {
    tokens[scope] = (await hydra.mint(client, scope)).access_token!;
  }
  const accessTokens = { hydraAdminURL: hydra.adminURL, ttlMs: 60_000 };
  [wildcard, exact] = await Promise.all([
    startGatewayStack({ rules: RULES, accessTokens }),
    startGatewayStack({ rules: RULES, accessTokens: { ...accessTokens, scopeStrategy: 'exact' } }),
  ]);
});
after(async () => {
  await wildcard?.close();
  await exact?.close();
  await hydra?.close();
});

async function status(stack: Stack, path: string, token: string): Promise<number> {
  const response = await fetch(`${stack.url}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  await response.arrayBuffer();
  return response.status;
}

describe('hydra scope strategy at the gateway', () => {
  test('wildcard (default): a granted notes.* satisfies notes.read, and the header says notes.*', async () => {
    const before = wildcard.upstream.seen.length;
    assert.equal(await status(wildcard, '/api/notes/1', tokens['notes.*']!), 200);
    // The app sees what was granted, not what the rule asked for.
    assert.equal(wildcard.upstream.seen[before]!.headers['x-user-scopes'], 'notes.*');
  });

  test('exact: a granted notes.* does not satisfy notes.read', async () => {
    assert.equal(await status(exact, '/api/notes/1', tokens['notes.*']!), 403);
  });

  test('a rule pinned to exact stays exact under a wildcard gateway', async () => {
    assert.equal(await status(wildcard, '/api/exact/1', tokens['notes.*']!), 403);
    assert.equal(await status(wildcard, '/api/exact/1', tokens['notes.read']!), 200);
  });

  test('neither strategy lets a parent, longer or differently cased scope through', async () => {
    for (const stack of [wildcard, exact]) {
      for (const scope of ['notes', 'notes.read.evil', 'Notes.Read']) {
        assert.equal(await status(stack, '/api/notes/1', tokens[scope]!), 403, scope);
      }
      assert.equal(await status(stack, '/api/notes/1', tokens['notes.read']!), 200);
    }
  });

  test('an unknown strategy is refused when the gateway is built', () => {
    assert.throws(
      () =>
        createGateway({
          upstreamURL: 'http://127.0.0.1:1',
          kratosPublicURL: 'http://127.0.0.1:2',
          headerSecret: SECRET,
          rules: RULES,
          accessTokens: {
            hydraAdminURL: hydra.adminURL,
            scopeStrategy: 'hierarchic' as 'exact',
          },
        }),
      /scopeStrategy must be exact or wildcard/,
    );
  });
});

describe('from vestibule.yml', () => {
  test('hydra.scope_strategy: exact, and a rule scope_strategy: wildcard', async () => {
    const edge = await startConfiguredEdge({
      kratos: { public_url: wildcard.kratos.url },
      hydra: { admin_url: hydra.adminURL, scope_strategy: 'exact' },
      gateway: {
        upstream_url: wildcard.upstream.url,
        header_secret: SECRET,
        rules: [
          { path: '/api/notes/**', mode: 'required', scopes: ['notes.read'] },
          {
            path: '/api/wild/**',
            mode: 'required',
            scopes: ['notes.read'],
            scope_strategy: 'wildcard',
          },
        ],
      },
    });
    try {
      const get = async (path: string) => {
        const response = await fetch(`${edge.url}${path}`, {
          headers: { authorization: `Bearer ${tokens['notes.*']}`, accept: 'application/json' },
        });
        await response.arrayBuffer();
        return response.status;
      };
      assert.equal(await get('/api/notes/1'), 403);
      assert.equal(await get('/api/wild/1'), 200);
    } finally {
      await edge.close();
    }
  });

  test('an unknown hydra.scope_strategy is a config error', async () => {
    await assert.rejects(
      async () =>
        startConfiguredEdge({
          kratos: { public_url: wildcard.kratos.url },
          hydra: { admin_url: hydra.adminURL, scope_strategy: 'hierarchic' },
          gateway: { upstream_url: wildcard.upstream.url, header_secret: SECRET },
        }),
      /hydra\.scope_strategy: expected one of exact\|wildcard/,
    );
  });
});
