// Regression: the challenge alone resumed an accepted login. An attacker starts an authorization in
// their own browser (holding its interaction cookie), has a victim sign in for that login_challenge
// (the login app accepts it with the victim's subject), then loads the resume URL — derivable from
// the challenge — and continues as the victim. As Hydra, accepting answers a one-time
// login_verifier (and consent_verifier) that only the browser sent to redirect_to learns; a
// missing, wrong or used verifier is access_denied at the client's redirect URI.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Browser,
  CALLBACK,
  challengeOf,
  createClient,
  location,
  pkcePair,
  startHarness,
  type Harness,
} from '../support/harness.ts';

let h: Harness;
let clientId: string;

before(async () => {
  h = await startHarness();
  clientId = (
    await createClient(h, {
      redirect_uris: [CALLBACK],
      scope: 'openid',
      token_endpoint_auth_method: 'none',
      skip_consent: true,
    })
  ).client_id as string;
});
after(() => h.close());

async function startAuthorization(browser: Browser): Promise<string> {
  const auth = new URL(`${h.publicURL}/oauth2/auth`);
  const { challenge } = pkcePair();
  for (const [key, value] of Object.entries({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: 'openid',
    state: 'attacker-state-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }))
    auth.searchParams.set(key, value);
  return challengeOf(location(await browser.get(auth.href)), 'login');
}

const accept = async (kind: 'login' | 'consent', challenge: string, body: object) =>
  (await (
    await h.admin(`/admin/oauth2/auth/requests/${kind}/accept?${kind}_challenge=${challenge}`, {
      method: 'PUT',
      body,
    })
  ).json()) as { redirect_to: string };

test('login-verifier-session-swap: a login accepted for the victim cannot be resumed without its verifier', async () => {
  const attacker = new Browser();
  const challenge = await startAuthorization(attacker);
  // The victim signs in for the attacker's challenge; the login app accepts it for the victim.
  const accepted = await accept('login', challenge, { subject: 'victim' });
  const verifier = new URL(accepted.redirect_to).searchParams.get('login_verifier');
  assert.match(verifier ?? '', /^[\w-]{43}$/, 'redirect_to carries a random login_verifier');

  // The attacker resumes from the challenge alone (the URL without the verifier, or a guessed one).
  for (const forged of [
    `${h.publicURL}/oauth2/auth/${challenge}`,
    `${h.publicURL}/oauth2/auth/${challenge}?login_verifier=${'A'.repeat(43)}`,
  ]) {
    const refused = await attacker.get(forged);
    assert.equal(refused.status, 303);
    const to = new URL(location(refused));
    assert.equal(`${to.origin}${to.pathname}`, CALLBACK);
    assert.equal(to.searchParams.get('error'), 'access_denied');
    assert.equal(to.searchParams.get('code'), null, 'no code for the attacker');
    assert.match(to.searchParams.get('error_description') ?? '', /login verifier/);
    assert.equal(to.searchParams.get('state'), 'attacker-state-123');
  }
});

test('the verifiers lead the browser that started the flow to its code; a repeated accept answers the same one', async () => {
  const browser = new Browser();
  const challenge = await startAuthorization(browser);
  const first = await accept('login', challenge, { subject: 'user-1' });
  const again = await accept('login', challenge, { subject: 'user-1' });
  assert.equal(again.redirect_to, first.redirect_to, 'accept can be repeated (Hydra)');
  const toConsent = await browser.get(first.redirect_to);
  const consentChallenge = challengeOf(location(toConsent), 'consent');
  const consented = await accept('consent', consentChallenge, { grant_scope: ['openid'] });
  assert.match(consented.redirect_to, /consent_verifier=[\w-]{43}/);
  // Without the consent verifier: refused as well.
  const bare = new URL(consented.redirect_to);
  bare.search = '';
  const refused = await browser.get(bare.href);
  assert.equal(new URL(location(refused)).searchParams.get('error'), 'access_denied');
  const done = await browser.get(consented.redirect_to);
  const callback = new URL(location(done));
  assert.equal(`${callback.origin}${callback.pathname}`, CALLBACK);
  assert.ok(callback.searchParams.get('code'), 'the code, for the browser holding both verifiers');
  // Replaying the login's redirect_to after the flow ended is refused (the interaction is gone).
  const replay = new URL(location(await browser.get(first.redirect_to)));
  assert.ok(replay.searchParams.get('error'), replay.href);
  assert.equal(replay.searchParams.get('code'), null);
});
