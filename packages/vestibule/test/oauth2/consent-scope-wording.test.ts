// The consent page words each requested scope: the operator's `hydra.scope_descriptions` first,
// then the standard scopes' own wording, else `Access “<scope>”`; everything escaped. And the
// vestibule.yml key that carries the wording, validated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidConfig, loadConfigText } from '../../src/config/index.ts';
import { client, session, setup } from '../support/fake-hydra.ts';

const consent = (requested: string[]) => ({
  challenge: 'cc1',
  skip: false,
  subject: 'identity-1',
  requested_scope: requested,
  requested_access_token_audience: [],
  client: client(),
});

async function consentPage(requested: string[], scopeDescriptions?: Record<string, string>) {
  const { request } = setup(
    { consent: consent(requested), session: session() },
    scopeDescriptions ? { scopeDescriptions } : {},
  );
  const page = await request('/oauth2/consent?consent_challenge=cc1');
  assert.equal(page.status, 200);
  const html = await page.text();
  return [...html.matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1]);
}

test('without descriptions: standard scopes in plain words, custom ones by name', async () => {
  assert.deepEqual(await consentPage(['openid', 'email', 'notes.read']), [
    'Know who you are (your account ID)',
    'See your email address',
    'Access “notes.read”',
  ]);
});

test("the operator's words replace the default, for custom and standard scopes alike", async () => {
  const items = await consentPage(['openid', 'notes.read', 'notes.write', 'email'], {
    'notes.read': 'Read your notes',
    openid: 'Know it is you',
  });
  assert.deepEqual(items, [
    'Know it is you',
    'Read your notes',
    'Access “notes.write”',
    'See your email address',
  ]);
});

test("descriptions and scope names are escaped (a scope token may contain '<', '>', '&', quotes)", async () => {
  const items = await consentPage(['notes.read', '<svg/onload=alert(1)>'], {
    'notes.read': '<b>Read</b> & "write" your notes',
  });
  assert.deepEqual(items, [
    '&lt;b&gt;Read&lt;/b&gt; &amp; &quot;write&quot; your notes',
    'Access “&lt;svg/onload=alert(1)&gt;”',
  ]);
});

test('hydra.scope_descriptions: defaults to none; keys must be scopes, values non-empty words', () => {
  const noEnv = { env: {} };
  assert.deepEqual(loadConfigText('', noEnv).config.hydra.scope_descriptions, {});
  const { config } = loadConfigText(
    'hydra:\n  scope_descriptions:\n    notes.read: Read your notes\n    "files.*": Use your files\n',
    noEnv,
  );
  assert.deepEqual(config.hydra.scope_descriptions, {
    'notes.read': 'Read your notes',
    'files.*': 'Use your files',
  });
  for (const bad of [
    'hydra: { scope_descriptions: { "notes read": Read } }',
    'hydra: { scope_descriptions: { notes.read: "" } }',
    'hydra: { scope_descriptions: { notes.read: 42 } }',
    'hydra: { scope_descriptions: [notes.read] }',
  ]) {
    assert.throws(
      () => loadConfigText(bad, noEnv),
      (err: Error) => err instanceof InvalidConfig && /scope_descriptions/.test(err.message),
      bad,
    );
  }
});
