// Hydra's cookie contract: per-client login and consent CSRF cookies suffixed with the MurmurHash3
// of the client id, an unsuffixed session cookie, `_dev` only in dev mode, SameSite=Lax, and no
// Secure flag for an http issuer. Two clients' flows in one browser must not disturb each other.
import assert from 'node:assert/strict';
import murmurhash from 'murmurhash';
import { after, before, describe, test } from 'node:test';
import {
  authorize,
  Browser,
  CALLBACK,
  createClient,
  location,
  pkcePair,
  startHarness,
  type Harness,
} from '../support/harness.ts';
import { cookieSuffix, hydraCookieNames } from '../../src/oauth2/cookies.ts';

let h: Harness;
let first: string;
let second: string;

before(async () => {
  h = await startHarness();
  const client = { redirect_uris: [CALLBACK], scope: 'openid', token_endpoint_auth_method: 'none' };
  first = (await createClient(h, client)).client_id as string;
  second = (await createClient(h, client)).client_id as string;
});
after(() => h.close());

function authParams(clientId: string): Record<string, string> {
  const { challenge } = pkcePair();
  return {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: 'openid',
    state: 'state-0123456789',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
}

function parseSetCookie(header: string): { name: string; attributes: string[] } {
  const [pair, ...attributes] = header.split(';').map((part) => part.trim());
  return {
    name: pair!.slice(0, pair!.indexOf('=')),
    attributes: attributes.map((a) => a.toLowerCase()),
  };
}

describe('cookie suffix (Hydra: strconv.Itoa(int(murmur3.Sum32([]byte(client_id)))))', () => {
  test('is the unsigned decimal MurmurHash3 x86 32-bit, seed 0, of the UTF-8 bytes', () => {
    // Reference vectors of MurmurHash3_x86_32 with seed 0.
    assert.equal(cookieSuffix('hello'), '613153351');
    assert.equal(cookieSuffix(''), '0');
    assert.equal(cookieSuffix('The quick brown fox jumps over the lazy dog'), '776992547');
    // Hashed as bytes, as Go does: a non-ASCII id is not truncated to char codes.
    assert.equal(cookieSuffix('é'), String(murmurhash.v3(new Uint8Array([0xc3, 0xa9]))));
    assert.notEqual(cookieSuffix('é'), String(murmurhash.v3(new Uint8Array([0xe9]))));
    assert.match(cookieSuffix('a-client-id'), /^\d{1,10}$/);
  });

  test('names carry _dev only in dev mode', () => {
    assert.deepEqual(hydraCookieNames(true), {
      session: 'ory_hydra_session_dev',
      loginCSRF: 'ory_hydra_login_csrf_dev',
      consentCSRF: 'ory_hydra_consent_csrf_dev',
    });
    assert.deepEqual(hydraCookieNames(false), {
      session: 'ory_hydra_session',
      loginCSRF: 'ory_hydra_login_csrf',
      consentCSRF: 'ory_hydra_consent_csrf',
    });
  });
});

describe('cookies set by /oauth2/auth (dev mode, http issuer)', () => {
  test('login and consent CSRF cookies are per client, SameSite=Lax, HttpOnly, not Secure', async () => {
    const browser = new Browser();
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [key, value] of Object.entries(authParams(first))) auth.searchParams.set(key, value);
    const response = await browser.get(auth.href);
    assert.equal(response.status, 302);
    const cookies = response.headers.getSetCookie().map(parseSetCookie);
    const names = cookies.map((c) => c.name).filter((name) => !name.endsWith('.sig'));
    assert.deepEqual(names.sort(), [
      `ory_hydra_consent_csrf_dev_${cookieSuffix(first)}`,
      `ory_hydra_login_csrf_dev_${cookieSuffix(first)}`,
    ]);
    for (const cookie of cookies) {
      assert.ok(cookie.attributes.includes('samesite=lax'), `${cookie.name}: SameSite=Lax`);
      assert.ok(cookie.attributes.includes('httponly'), `${cookie.name}: HttpOnly`);
      assert.ok(!cookie.attributes.includes('secure'), `${cookie.name}: not Secure on http`);
    }
  });

  test('the flow completes with them and sets ory_hydra_session_dev (no suffix)', async () => {
    const browser = new Browser();
    const { code } = await authorize(h, browser, authParams(first));
    assert.ok(code.startsWith('ory_ac_'));
    const names = (await browser.jar.getCookies(h.publicURL, { allPaths: true })).map((c) => c.key);
    assert.ok(names.includes('ory_hydra_session_dev'), names.join(', '));
    assert.ok(!names.some((name) => name.startsWith('ory_hydra_session_dev_')));
  });

  test('two clients started in one browser each resume their own flow', async () => {
    const browser = new Browser();
    const start = async (clientId: string) => {
      const auth = new URL(`${h.publicURL}/oauth2/auth`);
      for (const [key, value] of Object.entries(authParams(clientId)))
        auth.searchParams.set(key, value);
      return new URL(location(await browser.get(auth.href))).searchParams.get('login_challenge')!;
    };
    const challengeA = await start(first);
    const challengeB = await start(second);
    for (const challenge of [challengeA, challengeB]) {
      const accepted = (await (
        await h.admin(`/admin/oauth2/auth/requests/login/accept?login_challenge=${challenge}`, {
          method: 'PUT',
          body: { subject: 'user-1' },
        })
      ).json()) as { redirect_to: string };
      const next = await browser.get(accepted.redirect_to);
      // Back in the flow it belongs to: on to the consent app, not to the error page.
      assert.match(location(next), /consent_challenge=/);
    }
  });
});
