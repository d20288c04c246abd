// The verification leg of Kratos's oauth2_provider integration, end to end with the embedded
// Hydra-compatible server: a registration started with Hydra's login_challenge and the
// show_verification_ui hook goes to verification first; the verification flow carries the
// challenge (Kratos registration/hook_test.go "should redirect to verification UI if there is a
// login_challenge"), and once the code is accepted its Continue accepts Hydra's login request
// (Kratos verification/handler_test.go "suite=with OIDC login challenge") → consent → code at the
// RP. One Hydra and one identity server for the file; each test has its own browser.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createResponseValidator,
  loadKratosOpenAPI,
  type ResponseValidator,
} from '../support/openapi.ts';
import { lifecycleSetup, type Lifecycle } from '../recovery/support.ts';
import {
  Browser,
  CALLBACK,
  CONSENT_APP,
  IDENTITY,
  acceptConsent,
  authorizeURL,
  followHydra,
  startHydra,
  type Hydra,
} from './support.ts';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let hydra: Hydra;
let life: Lifecycle;
let validator: ResponseValidator;
let emails = 0;

before(async () => {
  hydra = await startHydra();
  life = await lifecycleSetup({
    oauth2_provider: { url: hydra.adminURL },
    selfservice: {
      flows: {
        registration: {
          after: { password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] } },
        },
      },
    },
  });
  const doc = loadKratosOpenAPI();
  assert.ok(doc, "Kratos's OpenAPI document (shared/ory/kratos) is needed to check flow bodies");
  validator = createResponseValidator(doc);
});
after(async () => {
  await life.server.close();
  await hydra.server.close();
});

const browser = () => new Browser((request) => life.server.publicHandler(request));

async function fetchFlow(b: Browser, kind: string, id: string): Promise<Body> {
  const url = `${IDENTITY}/self-service/${kind}/flows?id=${id}`;
  const response = await b.get(url, 'application/json');
  const body = (await response.json()) as Body;
  assert.equal(response.status, 200, JSON.stringify(body));
  validator.assertValid('GET', url, 200, body);
  return body;
}

const csrfOf = (flow: Body): string =>
  flow.ui.nodes.find((n: Body) => n.attributes.name === 'csrf_token').attributes.value;
const flowIdOf = (response: Response): string =>
  new URL(response.headers.get('location')!).searchParams.get('flow')!;

/**
 * Authorization request → registration with its login_challenge (form posts, as a server-rendered
 * UI sends them) → the verification UI. Returns the verification flow with its mailed code.
 */
async function registerForHydra(b: Browser) {
  const login = new URL(await followHydra(b, hydra, authorizeURL(hydra)));
  const challenge = login.searchParams.get('login_challenge')!;
  assert.ok(challenge, login.toString());
  const init = await b.get(
    `${IDENTITY}/self-service/registration/browser?login_challenge=${encodeURIComponent(challenge)}`,
  );
  assert.equal(init.status, 303);
  const registration = await fetchFlow(b, 'registration', flowIdOf(init));
  const email = `verify-${++emails}@example.org`;
  const posted = await b.post(registration.ui.action, {
    csrf_token: csrfOf(registration),
    method: 'password',
    'traits.email': email,
    password: 'correct horse battery staple',
  });
  assert.equal(posted.status, 303, await posted.clone().text());
  const toUI = new URL(posted.headers.get('location')!);
  assert.equal(
    toUI.origin + toUI.pathname,
    life.context.config.selfservice.flows.verification.ui_url,
    'the verification UI comes first, Hydra after it',
  );
  const verification = await fetchFlow(b, 'verification', flowIdOf(posted));
  const code = (await life.lastCode(email))!;
  assert.match(code, /^\d{6}$/);
  return { challenge, email, verification, code };
}

async function submitCode(b: Browser, flow: Body, code: string): Promise<Body> {
  const done = await b.post(flow.ui.action, { csrf_token: csrfOf(flow), method: 'code', code });
  assert.equal(done.status, 303, await done.clone().text());
  return fetchFlow(b, 'verification', flowIdOf(done));
}

test('the verification flow carries the registration challenge server-side, and its Continue signs the identity in at Hydra', async () => {
  const b = browser();
  const { challenge, email, verification, code } = await registerForHydra(b);
  // Kratos: flow.OAuth2LoginChallenge equals the registration's, and is `json:"-"` (the
  // verificationFlow schema has no such field).
  assert.equal(verification.oauth2_login_challenge, undefined);
  assert.equal(JSON.stringify(verification).includes(challenge), false);
  const stored = await life.context.persister.getFlow(verification.id);
  const carried = stored!.internal.oauth2_login as Body;
  assert.equal(carried.challenge, challenge);
  const whoami = await b.get(`${IDENTITY}/sessions/whoami`, 'application/json');
  const session = (await whoami.json()) as Body;
  assert.equal(whoami.status, 200, 'the session hook signed the browser in');
  assert.equal(carried.identity_id, session.identity.id);
  assert.equal(carried.session_id, session.id);
  assert.equal(session.identity.traits.email, email);

  const verified = await submitCode(b, verification, code);
  assert.equal(verified.state, 'passed_challenge');
  const continueURL = `${IDENTITY}/self-service/verification?flow=${verification.id}`;
  const next = verified.ui.nodes.find((n: Body) => n.attributes.id === 'continue');
  assert.equal(next.attributes.href, continueURL, 'Continue leads to the accept, not return_to');
  assert.equal(verified.ui.action, continueURL);

  const toHydra = await b.get(next.attributes.href);
  assert.equal(toHydra.status, 303, await toHydra.clone().text());
  const redirect = toHydra.headers.get('location')!;
  assert.ok(redirect.startsWith(`${hydra.publicURL}/oauth2/auth`), redirect);
  const consent = await followHydra(b, hydra, redirect);
  assert.ok(consent.startsWith(CONSENT_APP), consent);
  const accepted = await acceptConsent(hydra, consent);
  assert.equal(accepted.subject, session.identity.id);
  assert.deepEqual(accepted.amr, ['password'], "the registration session's methods");
  const callback = new URL(await followHydra(b, hydra, accepted.redirect));
  assert.equal(callback.origin + callback.pathname, CALLBACK);
  assert.ok(callback.searchParams.get('code'), callback.toString());
  assert.equal(callback.searchParams.get('state'), 'state-of-at-least-eight');
});

test('a SPA submitting the finished flow is told where the browser must go (422 browser_location_change_required)', async () => {
  const b = browser();
  const { verification, code } = await registerForHydra(b);
  await submitCode(b, verification, code);
  const answer = await b.post(verification.ui.action, { method: 'code' }, true);
  const body = (await answer.json()) as Body;
  assert.equal(answer.status, 422, JSON.stringify(body));
  assert.equal(body.error.id, 'browser_location_change_required');
  assert.ok(body.redirect_browser_to.startsWith(`${hydra.publicURL}/oauth2/auth`));
  const consent = await followHydra(b, hydra, body.redirect_browser_to);
  assert.ok(consent.startsWith(CONSENT_APP), consent);
});

test('a wrong code does not continue with the OAuth2 flow; the right one afterwards does', async () => {
  const b = browser();
  const { verification, code } = await registerForHydra(b);
  const wrong = code === '000000' ? '111111' : '000000';
  const refused = await submitCode(b, verification, wrong);
  assert.equal(refused.state, 'sent_email');
  assert.deepEqual(
    refused.ui.messages.map((m: Body) => m.id),
    [4070006],
  );
  // The Continue URL of a flow not yet verified is no way to Hydra either.
  const early = await b.get(`${IDENTITY}/self-service/verification?flow=${verification.id}`);
  assert.ok(!early.headers.get('location')?.startsWith(hydra.publicURL), 'not sent to Hydra');
  const verified = await submitCode(b, refused, code);
  assert.equal(verified.state, 'passed_challenge');
  const toHydra = await b.get(verified.ui.action);
  assert.equal(toHydra.status, 303);
  assert.ok(toHydra.headers.get('location')!.startsWith(`${hydra.publicURL}/oauth2/auth`));
});

test('Hydra refusing the accept (a challenge it no longer knows) is Kratos\'s 500 "Unable to accept OAuth 2.0 Login Challenge."', async () => {
  const b = browser();
  const { verification, code } = await registerForHydra(b);
  await submitCode(b, verification, code);
  // Hydra forgets login requests (expiry, a cleanup): here the flow names one it never issued.
  const stored = (await life.context.persister.getFlow(verification.id))!;
  (stored.internal.oauth2_login as Body).challenge = 'a-challenge-hydra-does-not-know';
  await life.context.persister.updateFlow(stored);
  const answer = await b.post(verification.ui.action, { method: 'code' }, true);
  const body = (await answer.json()) as Body;
  assert.equal(answer.status, 500, JSON.stringify(body));
  assert.equal(body.error.reason, 'Unable to accept OAuth 2.0 Login Challenge.');
  assert.ok([400, 404, 410].includes(body.error.details.status_code), JSON.stringify(body));
  // A browser goes to the error UI, and stays signed in.
  const page = await b.get(verification.ui.action);
  assert.equal(page.status, 303);
  const errorURL = new URL(page.headers.get('location')!);
  assert.equal(
    errorURL.origin + errorURL.pathname,
    life.context.config.selfservice.flows.error.ui_url,
  );
  assert.equal((await b.get(`${IDENTITY}/sessions/whoami`, 'application/json')).status, 200);
});

test('an API registration with login_challenge hands it on, but its verification flow keeps the ordinary Continue', async () => {
  const b = browser();
  const login = new URL(await followHydra(b, hydra, authorizeURL(hydra)));
  const challenge = login.searchParams.get('login_challenge')!;
  const init = await life.server.publicHandler(
    new Request(
      `${IDENTITY}/self-service/registration/api?login_challenge=${encodeURIComponent(challenge)}`,
    ),
  );
  const flow = (await init.json()) as Body;
  assert.equal(init.status, 200, JSON.stringify(flow));
  const email = `api-${++emails}@example.org`;
  const posted = await life.server.publicHandler(
    new Request(flow.ui.action, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        method: 'password',
        traits: { email },
        password: 'correct horse battery staple',
      }),
    }),
  );
  const body = (await posted.json()) as Body;
  assert.equal(posted.status, 200, JSON.stringify(body));
  const shown = body.continue_with.find((c: Body) => c.action === 'show_verification_ui');
  const stored = await life.context.persister.getFlow(shown.flow.id);
  assert.equal((stored!.internal.oauth2_login as Body).challenge, challenge);
  const code = (await life.lastCode(email))!;
  const done = await life.server.publicHandler(
    new Request(`${IDENTITY}/self-service/verification?flow=${shown.flow.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ method: 'code', code }),
    }),
  );
  const verified = (await done.json()) as Body;
  assert.equal(verified.state, 'passed_challenge', JSON.stringify(verified));
  const next = verified.ui.nodes.find((n: Body) => n.attributes.id === 'continue');
  assert.ok(!next.attributes.href.includes('/self-service/verification'), next.attributes.href);
});

test('the code opened on another device: verified there, the sign-in continues in the browser that registered', async () => {
  const registered = browser();
  const { verification, code } = await registerForHydra(registered);
  const phone = browser();
  const link = await phone.get(
    `${IDENTITY}/self-service/verification?flow=${verification.id}&code=${code}`,
  );
  assert.equal(link.status, 303);
  const onPhone = await fetchFlow(phone, 'verification', flowIdOf(link));
  const verified = await submitCode(phone, onPhone, code);
  assert.equal(verified.state, 'passed_challenge');
  // The phone holds no session: its Continue does not reach Hydra.
  const phoneContinue = await phone.get(verified.ui.action);
  assert.ok(!phoneContinue.headers.get('location')?.startsWith(hydra.publicURL));
  // The registering browser submits its still-open code form: that continues at Hydra.
  const resumed = await registered.post(verification.ui.action, {
    csrf_token: csrfOf(verification),
    method: 'code',
    code,
  });
  assert.equal(resumed.status, 303, await resumed.clone().text());
  const consent = await followHydra(registered, hydra, resumed.headers.get('location')!);
  assert.ok(consent.startsWith(CONSENT_APP), consent);
});
