// Regression: the Continue of a verified flow that carries Hydra's login challenge signs its
// identity in at Hydra, so it must not work for anyone who merely knows the flow id (it travels in
// URLs: the UI's ?flow=, referrers, logs), nor after the session it was handed has ended. Kratos
// accepts on any submit of the passed flow with the session it stored; the embedded server wants
// that very session, still active, on the request — or, when the registration issued none, the
// flow's CSRF cookie (docs/fidelity.md). A scripted Hydra admin API records every call, so "not
// accepted" is observed, not assumed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { lifecycleSetup, type Lifecycle } from '../recovery/support.ts';
import { Browser, IDENTITY } from './support.ts';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REDIRECT_TO = 'http://hydra.test/oauth2/auth?client_id=rp&login_verifier=v1';

let hydra: Server;
let hydraURL: string;
let life: Lifecycle;
const accepts: Body[] = [];
let emails = 0;

before(async () => {
  hydra = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'PUT') {
        accepts.push(JSON.parse(Buffer.concat(chunks).toString()) as Body);
        res.end(JSON.stringify({ redirect_to: REDIRECT_TO }));
        return;
      }
      res.end(
        JSON.stringify({
          challenge: 'known',
          skip: false,
          subject: '',
          request_url: 'http://hydra.test/oauth2/auth?client_id=rp',
          requested_scope: ['openid'],
          requested_access_token_audience: [],
          client: { client_id: 'rp' },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => hydra.listen(0, '127.0.0.1', resolve));
  const { port } = hydra.address() as { port: number };
  hydraURL = `http://127.0.0.1:${port}/`;
  life = await lifecycleSetup({
    oauth2_provider: { url: hydraURL },
    selfservice: {
      flows: {
        registration: {
          after: { password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] } },
        },
      },
    },
  });
});
after(async () => {
  await life.server.close();
  await new Promise<void>((resolve) => hydra.close(() => resolve()));
});

const browser = (l: Lifecycle = life) => new Browser((request) => l.server.publicHandler(request));
const csrfOf = (flow: Body): string =>
  flow.ui.nodes.find((n: Body) => n.attributes.name === 'csrf_token').attributes.value;
const flowIdOf = (response: Response): string =>
  new URL(response.headers.get('location')!).searchParams.get('flow')!;

async function fetchFlow(b: Browser, kind: string, id: string): Promise<Body> {
  const response = await b.get(
    `${IDENTITY}/self-service/${kind}/flows?id=${id}`,
    'application/json',
  );
  assert.equal(response.status, 200);
  return (await response.json()) as Body;
}

/** Registration with login_challenge → verified address; returns the Continue URL. */
async function verifiedWithChallenge(
  b: Browser,
  l: Lifecycle = life,
): Promise<{ continueURL: string; identityId: string; sessionId: string }> {
  const init = await b.get(`${IDENTITY}/self-service/registration/browser?login_challenge=known`);
  const registration = await fetchFlow(b, 'registration', flowIdOf(init));
  const email = `closed-${++emails}@example.org`;
  const posted = await b.post(registration.ui.action, {
    csrf_token: csrfOf(registration),
    method: 'password',
    'traits.email': email,
    password: 'correct horse battery staple',
  });
  const verification = await fetchFlow(b, 'verification', flowIdOf(posted));
  const done = await b.post(verification.ui.action, {
    csrf_token: csrfOf(verification),
    method: 'code',
    code: (await l.lastCode(email))!,
  });
  const verified = await fetchFlow(b, 'verification', flowIdOf(done));
  assert.equal(verified.state, 'passed_challenge');
  const whoami = (await (
    await b.get(`${IDENTITY}/sessions/whoami`, 'application/json')
  ).json()) as Body;
  const identity = await l.context.persister.findIdentityByCredentialIdentifier('password', email);
  return {
    continueURL: verified.ui.action,
    identityId: (whoami.identity?.id ?? identity?.id) as string,
    sessionId: whoami.id as string,
  };
}

test('another browser holding only the flow id cannot spend the challenge (401, Hydra not called)', async () => {
  const owner = browser();
  const { continueURL, identityId } = await verifiedWithChallenge(owner);
  accepts.length = 0;
  const stranger = browser();
  const spa = await stranger.post(continueURL, { method: 'code' }, true);
  const body = (await spa.json()) as Body;
  assert.equal(spa.status, 401, JSON.stringify(body));
  assert.equal(body.error.id, 'session_inactive');
  const page = await stranger.get(continueURL);
  assert.equal(page.status, 303);
  const errorUI = new URL(page.headers.get('location')!);
  assert.equal(
    errorUI.origin + errorUI.pathname,
    life.context.config.selfservice.flows.error.ui_url,
  );
  // Someone signed in as somebody else fares no better.
  const other = browser();
  await verifiedWithChallenge(other);
  accepts.length = 0;
  const foreign = await other.post(continueURL, { method: 'code' }, true);
  assert.equal(foreign.status, 401);
  assert.equal(accepts.length, 0, 'Hydra was not asked to accept');

  // The browser that registered continues, with Kratos's accept fields.
  const toHydra = await owner.get(continueURL);
  assert.equal(toHydra.status, 303);
  assert.equal(toHydra.headers.get('location'), REDIRECT_TO);
  assert.equal(accepts.length, 1);
  assert.equal(accepts[0]!.subject, identityId);
  assert.ok(accepts[0]!.identity_provider_session_id);
  assert.deepEqual(accepts[0]!.amr, ['password']);
});

test('without a session (no session hook) the flow is bound to the CSRF cookie of the browser that registered', async () => {
  const noSession = await lifecycleSetup({
    oauth2_provider: { url: hydraURL },
    selfservice: {
      flows: {
        registration: { after: { password: { hooks: [{ hook: 'show_verification_ui' }] } } },
      },
    },
  });
  try {
    const owner = browser(noSession);
    const { continueURL, identityId } = await verifiedWithChallenge(owner, noSession);
    accepts.length = 0;
    const stranger = await browser(noSession).post(continueURL, { method: 'code' }, true);
    const body = (await stranger.json()) as Body;
    assert.equal(stranger.status, 403, JSON.stringify(body));
    assert.equal(body.error.id, 'security_csrf_violation');
    assert.equal(accepts.length, 0, 'Hydra was not asked to accept');
    const toHydra = await owner.get(continueURL);
    assert.equal(toHydra.status, 303);
    assert.equal(toHydra.headers.get('location'), REDIRECT_TO);
    assert.equal(accepts[0]!.subject, identityId);
    assert.equal(accepts[0]!.identity_provider_session_id, undefined);
    assert.deepEqual(accepts[0]!.amr, ['password']);
  } finally {
    await noSession.server.close();
  }
});

test('a session that ended after registration does not sign the identity in at Hydra (401 session_inactive)', async () => {
  const owner = browser();
  const { continueURL, identityId } = await verifiedWithChallenge(owner);
  accepts.length = 0;
  const revoked = await life.admin().request(`/admin/identities/${identityId}/sessions`, {
    method: 'DELETE',
  });
  assert.equal(revoked.status, 204);
  const spa = await owner.post(continueURL, { method: 'code' }, true);
  const body = (await spa.json()) as Body;
  assert.equal(spa.status, 401, JSON.stringify(body));
  assert.equal(body.error.id, 'session_inactive');
  const page = await owner.get(continueURL);
  assert.equal(page.status, 303);
  assert.notEqual(page.headers.get('location'), REDIRECT_TO);
  assert.equal(accepts.length, 0, 'Hydra was not asked to accept');
});

test('a session revoked (kept, inactive) after registration does not sign the identity in either', async () => {
  const owner = browser();
  const { continueURL, sessionId } = await verifiedWithChallenge(owner);
  accepts.length = 0;
  const revoked = await life.admin().request(`/admin/sessions/${sessionId}`, { method: 'DELETE' });
  assert.equal(revoked.status, 204);
  assert.equal((await life.context.persister.getSession(sessionId))?.active, false);
  const spa = await owner.post(continueURL, { method: 'code' }, true);
  const body = (await spa.json()) as Body;
  assert.equal(spa.status, 401, JSON.stringify(body));
  assert.equal(body.error.id, 'session_inactive');
  assert.equal(accepts.length, 0, 'Hydra was not asked to accept');
});
