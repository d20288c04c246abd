// `vestibule up`'s embedded OAuth2 server matches scopes as the edge does: the edge's
// `hydra.scope_strategy` becomes the server's `strategies.scope` (else a token the server issues for
// a wildcard grant would be refused at the edge, or the other way round).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '@vestibule/oauth2-server';
import { loadConfigObject } from 'vestibule/config';
import { createLogger } from 'vestibule/edge';
import { embeddedHydraConfig, type EmbeddedOAuth2Options } from '../src/stack/embedded-oauth2.ts';

const base: EmbeddedOAuth2Options = {
  host: '127.0.0.1',
  publicPort: 4444,
  adminPort: 4445,
  edgeURL: 'http://localhost:4000',
  logger: createLogger({ level: 'error' }),
};

test('the edge config hydra.scope_strategy reaches the embedded server strategies.scope', () => {
  for (const strategy of ['exact', 'wildcard'] as const) {
    const { config: edge } = loadConfigObject({
      kratos: { public_url: 'http://127.0.0.1:4433' },
      hydra: { scope_strategy: strategy },
    });
    const raw = embeddedHydraConfig(
      { ...base, scopeStrategy: edge.hydra.scope_strategy },
      'x'.repeat(32),
    );
    assert.equal(parseConfig(raw, { dev: true }).strategies.scope, strategy);
  }
});

test('without one the embedded server keeps Hydra default, wildcard', () => {
  assert.equal(
    parseConfig(embeddedHydraConfig(base, 'x'.repeat(32)), { dev: true }).strategies.scope,
    'wildcard',
  );
});
