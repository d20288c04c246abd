// Kratos's own oauth2_provider integration (kratos selfservice/flow/login/handler.go, hook.go,
// hydra/hydra.go) end to end with the embedded Hydra-compatible server: authorization request →
// Kratos login flow with login_challenge → password → 303 to Hydra → consent → code at the RP.
// One Hydra and one identity server are shared by the tests of this file; each test has its own
// browser (cookie jar).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createResponseValidator,
  loadKratosOpenAPI,
  type ResponseValidator,
} from '../support/openapi.ts';
import {
  Browser,
  CALLBACK,
  CONSENT_APP,
  IDENTITY,
  acceptConsent,
  authorizeURL,
  followHydra,
  startHydra,
  startIdentity,
  type Hydra,
} from './support.ts';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let hydra: Hydra;
let identity: Awaited<ReturnType<typeof startIdentity>>;
let validator: ResponseValidator;

before(async () => {
  hydra = await startHydra();
  identity = await startIdentity({ oauth2_provider: { url: hydra.adminURL } });
  const doc = loadKratosOpenAPI();
  assert.ok(doc, "Kratos's OpenAPI document (shared/ory/kratos) is needed to check flow bodies");
  validator = createResponseValidator(doc);
});
after(async () => {
  await identity.server.close();
  await hydra.server.close();
});

const browser = () => new Browser((request) => identity.server.publicHandler(request));

async function json(response: Response, url: string, method = 'GET'): Promise<Body> {
  const body = (await response.json()) as Body;
  validator.assertValid(method, url, response.status, body);
  return body;
}

/** The authorization request up to the login URL Hydra sends the browser to. */
async function loginChallengeURL(b: Browser, extra: Record<string, string> = {}): Promise<string> {
  const login = await followHydra(b, hydra, authorizeURL(hydra, extra));
  assert.ok(login.startsWith(`${IDENTITY}/self-service/login/browser?`), login);
  return login;
}

async function signIn(b: Browser): Promise<{ flow: Body; submitted: Response }> {
  const login = await loginChallengeURL(b);
  const challenge = new URL(login).searchParams.get('login_challenge')!;
  const init = await b.get(login);
  assert.equal(init.status, 303);
  const ui = new URL(init.headers.get('location')!);
  assert.equal(ui.origin + ui.pathname, identity.context.config.selfservice.flows.login.ui_url);
  const flowsURL = `${IDENTITY}/self-service/login/flows?id=${ui.searchParams.get('flow')}`;
  const flow = await json(await b.get(flowsURL, 'application/json'), flowsURL);
  assert.equal(flow.oauth2_login_challenge, challenge);
  assert.equal(flow.oauth2_login_request.challenge, challenge);
  assert.equal(flow.oauth2_login_request.client.client_id, hydra.client.id);
  assert.equal(flow.oauth2_login_request.skip, false);
  const csrf = flow.ui.nodes.find((n: Body) => n.attributes.name === 'csrf_token').attributes.value;
  const submitted = await b.post(flow.ui.action, {
    csrf_token: csrf,
    method: 'password',
    identifier: 'ada@example.com',
    password: 'correct horse battery',
  });
  return { flow, submitted };
}

async function codeAtCallback(b: Browser, hydraURL: string, amr = ['password']): Promise<URL> {
  const consent = await followHydra(b, hydra, hydraURL);
  assert.ok(consent.startsWith(CONSENT_APP), consent);
  const accepted = await acceptConsent(hydra, consent);
  assert.equal(accepted.subject, identity.identityId);
  // Kratos sends the session's methods as amr (hydra/hydra.go AcceptLoginRequest).
  assert.deepEqual(accepted.amr, amr);
  const callback = new URL(await followHydra(b, hydra, accepted.redirect));
  assert.equal(callback.origin + callback.pathname, CALLBACK);
  return callback;
}

test('a login flow started with login_challenge accepts it on a password login and the RP gets a code for the identity', async () => {
  const b = browser();
  const { submitted } = await signIn(b);
  assert.equal(submitted.status, 303);
  const toHydra = submitted.headers.get('location')!;
  assert.ok(toHydra.startsWith(`${hydra.publicURL}/oauth2/auth`), toHydra);
  assert.ok(await b.jar.getCookieString(IDENTITY), 'the Kratos session cookie is set as well');
  const callback = await codeAtCallback(b, toHydra);
  assert.equal(callback.searchParams.get('state'), 'state-of-at-least-eight');
  const code = callback.searchParams.get('code')!;
  const token = await fetch(`${hydra.publicURL}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${hydra.client.id}:${hydra.client.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }),
  });
  const tokens = (await token.json()) as Record<string, string>;
  assert.equal(token.status, 200, JSON.stringify(tokens));
  const claims = JSON.parse(
    Buffer.from(tokens.id_token!.split('.')[1]!, 'base64url').toString(),
  ) as Body;
  assert.equal(claims.sub, identity.identityId);
});

test('with a Kratos session and a login Hydra remembers (skip), the challenge is accepted at once', async () => {
  const b = browser();
  const { submitted } = await signIn(b);
  await codeAtCallback(b, submitted.headers.get('location')!);
  // Kratos accepted with remember = session.cookie.persistent: Hydra now says skip.
  const login = await loginChallengeURL(b);
  const challenge = new URL(login).searchParams.get('login_challenge')!;
  const request = await fetch(
    `${hydra.adminURL}/admin/oauth2/auth/requests/login?login_challenge=${encodeURIComponent(challenge)}`,
  );
  assert.equal(((await request.json()) as Body).skip, true);
  const init = await b.get(login);
  assert.equal(init.status, 303);
  const toHydra = init.headers.get('location')!;
  assert.ok(toHydra.startsWith(`${hydra.publicURL}/oauth2/auth`), toHydra);
  await codeAtCallback(b, toHydra);
  // A SPA is told where the browser must go (Kratos answers it `200 null`: docs/fidelity.md).
  const spaLogin = await loginChallengeURL(b);
  const spa = await b.get(spaLogin, 'application/json');
  const moved = await json(spa, spaLogin);
  assert.equal(spa.status, 422);
  assert.equal(moved.error.id, 'browser_location_change_required');
  await codeAtCallback(b, moved.redirect_browser_to);
});

test('with a Kratos session but a login Hydra cannot skip (prompt=login), the flow is a refresh of that identity', async () => {
  const b = browser();
  const { submitted } = await signIn(b);
  await codeAtCallback(b, submitted.headers.get('location')!);
  const login = await loginChallengeURL(b, { prompt: 'login' });
  const init = await b.get(login, 'application/json');
  const flow = await json(init, login);
  assert.equal(init.status, 200);
  assert.equal(flow.refresh, true);
  assert.equal(flow.oauth2_login_request.skip, false);
  // Kratos rewrites the init query (Go's sorted Encode) before it becomes request_url.
  const requestURL = new URL(flow.request_url);
  assert.equal(requestURL.searchParams.get('refresh'), 'true');
  assert.equal(requestURL.searchParams.get('login_challenge'), flow.oauth2_login_challenge);
  const identifier = flow.ui.nodes.find((n: Body) => n.attributes.name === 'identifier');
  assert.equal(identifier.attributes.type, 'hidden');
  // The password again: the same session, refreshed (one more method), then back to Hydra.
  const csrf = flow.ui.nodes.find((n: Body) => n.attributes.name === 'csrf_token').attributes.value;
  const again = await b.post(flow.ui.action, {
    csrf_token: csrf,
    method: 'password',
    password: 'correct horse battery',
  });
  assert.equal(again.status, 303);
  await codeAtCallback(b, again.headers.get('location')!, ['password', 'password']);
});

test('a SPA login of a flow with login_challenge answers 422 browser_location_change_required to Hydra', async () => {
  const b = browser();
  const login = await loginChallengeURL(b);
  const flow = await json(await b.get(login, 'application/json'), login);
  const csrf = flow.ui.nodes.find((n: Body) => n.attributes.name === 'csrf_token').attributes.value;
  const submitted = await b.post(
    flow.ui.action,
    {
      csrf_token: csrf,
      method: 'password',
      identifier: 'ada@example.com',
      password: 'correct horse battery',
    },
    true,
  );
  const body = await json(submitted, flow.ui.action, 'POST');
  assert.equal(submitted.status, 422);
  assert.equal(body.error.id, 'browser_location_change_required');
  assert.ok(body.redirect_browser_to.startsWith(`${hydra.publicURL}/oauth2/auth`));
  await codeAtCallback(b, body.redirect_browser_to);
});

test('a registration flow started with login_challenge signs the new identity in at Hydra', async () => {
  const b = browser();
  const login = new URL(await loginChallengeURL(b));
  const challenge = login.searchParams.get('login_challenge')!;
  const registrationURL = `${IDENTITY}/self-service/registration/browser?login_challenge=${encodeURIComponent(challenge)}`;
  const init = await b.get(registrationURL, 'application/json');
  const flow = await json(init, registrationURL);
  assert.equal(flow.oauth2_login_challenge, challenge);
  // Kratos shows Hydra's request on GET /flows only (createBrowserRegistrationFlow does not set it).
  assert.equal(flow.oauth2_login_request, undefined);
  const flowsURL = `${IDENTITY}/self-service/registration/flows?id=${flow.id}`;
  const fetched = await json(await b.get(flowsURL, 'application/json'), flowsURL);
  assert.equal(fetched.oauth2_login_request.challenge, challenge);
  const csrf = flow.ui.nodes.find((n: Body) => n.attributes.name === 'csrf_token').attributes.value;
  const submitted = await b.post(
    flow.ui.action,
    {
      csrf_token: csrf,
      method: 'password',
      traits: { email: 'grace@example.com', name: { first: 'Grace', last: 'Hopper' } },
      password: 'a long enough passphrase',
    },
    true,
  );
  const body = await json(submitted, flow.ui.action, 'POST');
  assert.equal(submitted.status, 200, JSON.stringify(body));
  const redirects = body.continue_with.filter((c: Body) => c.action === 'redirect_browser_to');
  assert.equal(redirects.length, 1, 'the return URL gives way to Hydra');
  assert.ok(redirects[0].redirect_browser_to.startsWith(`${hydra.publicURL}/oauth2/auth`));
  const consent = await followHydra(b, hydra, redirects[0].redirect_browser_to);
  const accepted = await acceptConsent(hydra, consent);
  assert.equal(accepted.subject, body.identity.id);
});

test('an unknown login_challenge is a 400 from Hydra, an empty one 400 before Hydra is asked', async () => {
  const b = browser();
  const unknown = `${IDENTITY}/self-service/login/browser?login_challenge=not-a-challenge`;
  const refused = await b.get(unknown, 'application/json');
  const body = await json(refused, unknown);
  assert.equal(refused.status, 400);
  assert.equal(body.error.reason, 'Unable to get OAuth 2.0 Login Challenge.');
  assert.ok([400, 404, 410].includes(body.error.details.status_code), JSON.stringify(body));
  const empty = await b.get(
    `${IDENTITY}/self-service/login/browser?login_challenge=`,
    'application/json',
  );
  assert.equal(empty.status, 400);
  assert.equal(
    ((await empty.json()) as Body).error.reason,
    'the login_challenge parameter is present but empty',
  );
  // A browser is sent to the error UI instead, the error kept for it.
  const page = await b.get(unknown);
  assert.equal(page.status, 303);
  const errorURL = new URL(page.headers.get('location')!);
  assert.equal(
    errorURL.origin + errorURL.pathname,
    identity.context.config.selfservice.flows.error.ui_url,
  );
});
