// Regression (issue 16, consent wording): the scope words were looked up in a plain object, so a
// client registering a scope named like an Object.prototype member (`constructor`, `toString`,
// `__proto__` are valid scope tokens) put a function's source text on the consent page instead
// of the scope's name. Lookups now go through Maps: such a scope reads `Access “constructor”`, and
// operator descriptions cannot be shadowed by the prototype either.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scopeInWords } from '../../src/oauth2/render.ts';
import { client, session, setup } from '../support/fake-hydra.ts';

test('scopes named like Object.prototype members are shown by name', async () => {
  const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
  for (const name of names) assert.equal(scopeInWords(name), `Access “${name}”`);
  const { request } = setup(
    {
      consent: {
        challenge: 'cc1',
        skip: false,
        subject: 'identity-1',
        requested_scope: names,
        requested_access_token_audience: [],
        client: client(),
      },
      session: session(),
    },
    { scopeDescriptions: { 'notes.read': 'Read your notes' } },
  );
  const html = await (await request('/oauth2/consent?consent_challenge=cc1')).text();
  const items = [...html.matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1]);
  assert.deepEqual(
    items,
    names.map((n) => `Access “${n}”`),
  );
  assert.ok(!html.includes('native code'));
});
