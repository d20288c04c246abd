// Kratos's oauth2_provider integration against a scripted Hydra admin API (a local HTTP server that
// records what it is sent): the configured headers on every call, override_return_to, a Hydra that
// is down or fails the accept (Kratos's 500, the session cookie kept), no provider configured
// (500 invalid_configuration), and API flows (the challenge stored, Hydra not asked).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Browser, IDENTITY, freePort, startIdentity } from './support.ts';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Call {
  method: string;
  path: string;
  challenge: string | null;
  headers: IncomingMessage['headers'];
  body: Body | undefined;
}

const REQUEST_URL = 'http://hydra.test/oauth2/auth?client_id=rp&state=s1';
const REDIRECT_TO = 'http://hydra.test/oauth2/auth?client_id=rp&login_verifier=v1';

let hydra: Server;
let hydraURL: string;
const calls: Call[] = [];
let acceptStatus = 200;

before(async () => {
  hydra = createServer((req, res) => {
    const url = new URL(req.url!, 'http://hydra.admin');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const call: Call = {
        method: req.method!,
        path: url.pathname,
        challenge: url.searchParams.get('login_challenge'),
        headers: req.headers,
        body: text ? (JSON.parse(text) as Body) : undefined,
      };
      calls.push(call);
      res.setHeader('content-type', 'application/json');
      if (call.challenge !== 'known' && call.challenge !== 'other') {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: 'Not Found', error_hint: 'Unknown login challenge.' }));
      } else if (req.method === 'GET') {
        res.end(
          JSON.stringify({
            challenge: call.challenge,
            skip: false,
            subject: '',
            request_url: REQUEST_URL,
            requested_scope: ['openid'],
            requested_access_token_audience: [],
            client: { client_id: 'rp', client_name: 'RP' },
          }),
        );
      } else {
        res.statusCode = acceptStatus;
        res.end(
          acceptStatus === 200
            ? JSON.stringify({ redirect_to: REDIRECT_TO })
            : JSON.stringify({ error: 'server_error', error_hint: 'The database is gone.' }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => hydra.listen(0, '127.0.0.1', resolve));
  const { port } = hydra.address() as { port: number };
  hydraURL = `http://127.0.0.1:${port}/`;
});
after(() => new Promise<void>((resolve) => hydra.close(() => resolve())));

async function identityWithHydra(extra: Body = {}) {
  return startIdentity({
    oauth2_provider: {
      url: hydraURL,
      headers: { Authorization: 'Bearer hydra-admin-key' },
      ...extra,
    },
    selfservice: { allowed_return_urls: ['http://localhost:4000/', 'http://hydra.test/'] },
  });
}

async function passwordLogin(b: Browser, flow: Body, asJSON = false): Promise<Response> {
  const csrf = flow.ui.nodes.find((n: Body) => n.attributes.name === 'csrf_token').attributes.value;
  return b.post(
    flow.ui.action,
    {
      csrf_token: csrf,
      method: 'password',
      identifier: 'ada@example.com',
      password: 'correct horse battery',
    },
    asJSON,
  );
}

test('every admin call carries oauth2_provider.headers; the accept sends Kratos fields', async () => {
  const { server, identityId } = await identityWithHydra();
  try {
    const b = new Browser((r) => server.publicHandler(r));
    calls.length = 0;
    acceptStatus = 200;
    const init = await b.get(
      `${IDENTITY}/self-service/login/browser?login_challenge=known`,
      'application/json',
    );
    const flow = (await init.json()) as Body;
    assert.equal(init.status, 200, JSON.stringify(flow));
    const submitted = await passwordLogin(b, flow);
    assert.equal(submitted.status, 303);
    assert.equal(submitted.headers.get('location'), REDIRECT_TO);
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      ['GET /admin/oauth2/auth/requests/login', 'PUT /admin/oauth2/auth/requests/login/accept'],
    );
    for (const call of calls) assert.equal(call.headers.authorization, 'Bearer hydra-admin-key');
    const accept = calls[1]!.body!;
    assert.equal(accept.subject, identityId);
    assert.equal(accept.remember, true);
    // session.lifespan (24h by default) in seconds; amr from the session; no acr, no context.
    assert.equal(accept.remember_for, 86400);
    assert.deepEqual(accept.amr, ['password']);
    assert.equal(typeof accept.identity_provider_session_id, 'string');
    assert.equal(accept.acr, undefined);
    assert.equal(accept.context, undefined);
  } finally {
    await server.close();
  }
});

test("override_return_to puts Hydra's request_url in return_to", async () => {
  const { server } = await identityWithHydra({ override_return_to: true });
  try {
    const b = new Browser((r) => server.publicHandler(r));
    const init = await b.get(
      `${IDENTITY}/self-service/login/browser?login_challenge=known`,
      'application/json',
    );
    const flow = (await init.json()) as Body;
    assert.equal(init.status, 200, JSON.stringify(flow));
    assert.equal(flow.return_to, REQUEST_URL);
    assert.equal(new URL(flow.request_url).searchParams.get('return_to'), REQUEST_URL);
  } finally {
    await server.close();
  }
});

test('a Hydra that fails the accept is a 500 after the session cookie is set: the user stays signed in', async () => {
  const { server } = await identityWithHydra();
  try {
    const b = new Browser((r) => server.publicHandler(r));
    acceptStatus = 503;
    const flow = (await (
      await b.get(
        `${IDENTITY}/self-service/login/browser?login_challenge=known`,
        'application/json',
      )
    ).json()) as Body;
    const spa = await passwordLogin(b, flow, true);
    const error = (await spa.json()) as Body;
    assert.equal(spa.status, 500);
    assert.equal(error.error.reason, 'Unable to accept OAuth 2.0 Login Challenge.');
    assert.deepEqual(error.error.details, {
      status_code: 503,
      oauth2_error_hint: 'The database is gone.',
    });
    assert.ok(spa.headers.getSetCookie().some((c) => c.startsWith('ory_kratos_session=')));
    const whoami = await b.get(`${IDENTITY}/sessions/whoami`, 'application/json');
    assert.equal(whoami.status, 200, 'the session issued before the accept failed is kept');
  } finally {
    acceptStatus = 200;
    await server.close();
  }
});

test('a browser form post whose accept fails goes to the error UI with the cookie', async () => {
  const { server, context } = await identityWithHydra();
  try {
    const b = new Browser((r) => server.publicHandler(r));
    acceptStatus = 500;
    const flow = (await (
      await b.get(
        `${IDENTITY}/self-service/login/browser?login_challenge=known`,
        'application/json',
      )
    ).json()) as Body;
    const posted = await passwordLogin(b, flow);
    assert.equal(posted.status, 303);
    const location = new URL(posted.headers.get('location')!);
    assert.equal(
      location.origin + location.pathname,
      context.config.selfservice.flows.error.ui_url,
    );
    const stored = await b.get(
      `${IDENTITY}/self-service/errors?id=${location.searchParams.get('id')}`,
      'application/json',
    );
    assert.equal(
      ((await stored.json()) as Body).error.reason,
      'Unable to accept OAuth 2.0 Login Challenge.',
    );
    assert.ok(posted.headers.getSetCookie().some((c) => c.startsWith('ory_kratos_session=')));
  } finally {
    acceptStatus = 200;
    await server.close();
  }
});

test('a Hydra that is down: a clear 500 at flow init, and the server goes on', async () => {
  const closed = await freePort();
  const { server, context } = await startIdentity({
    oauth2_provider: { url: `http://127.0.0.1:${closed}` },
  });
  try {
    const b = new Browser((r) => server.publicHandler(r));
    const url = `${IDENTITY}/self-service/login/browser?login_challenge=known`;
    const down = await b.get(url, 'application/json');
    const body = (await down.json()) as Body;
    assert.equal(down.status, 500);
    assert.equal(body.error.reason, 'Unable to get OAuth 2.0 Login Challenge.');
    const page = await b.get(url);
    assert.equal(page.status, 303);
    assert.ok(
      page.headers.get('location')!.startsWith(context.config.selfservice.flows.error.ui_url),
    );
    // The same server still serves flows without a challenge.
    const plain = await b.get(`${IDENTITY}/self-service/login/browser`, 'application/json');
    assert.equal(plain.status, 200);
  } finally {
    await server.close();
  }
});

test('without oauth2_provider.url a login_challenge is 500 invalid_configuration, as Kratos', async () => {
  const { server } = await startIdentity({});
  try {
    const b = new Browser((r) => server.publicHandler(r));
    for (const kind of ['login', 'registration']) {
      const refused = await b.get(
        `${IDENTITY}/self-service/${kind}/browser?login_challenge=x`,
        'application/json',
      );
      const body = (await refused.json()) as Body;
      assert.equal(refused.status, 500);
      assert.equal(body.error.id, 'invalid_configuration');
      assert.equal(
        body.error.reason,
        'refusing to parse login_challenge query parameter because oauth2_provider.url is invalid or unset',
      );
    }
  } finally {
    await server.close();
  }
});

test('an API flow stores the challenge without asking Hydra and never accepts it', async () => {
  const { server } = await identityWithHydra();
  try {
    calls.length = 0;
    const api = await server.publicHandler(
      new Request(`${IDENTITY}/self-service/login/api?login_challenge=known`),
    );
    const flow = (await api.json()) as Body;
    assert.equal(api.status, 200);
    assert.equal(flow.oauth2_login_challenge, 'known');
    assert.equal(flow.oauth2_login_request, undefined);
    const done = await server.publicHandler(
      new Request(flow.ui.action, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          method: 'password',
          identifier: 'ada@example.com',
          password: 'correct horse battery',
        }),
      }),
    );
    assert.equal(done.status, 200);
    assert.ok(((await done.json()) as Body).session_token);
    assert.deepEqual(calls, []);
  } finally {
    await server.close();
  }
});

test('registration with a Kratos session and a login Hydra cannot skip is a 302 to the login init, query kept', async () => {
  const { server } = await identityWithHydra();
  try {
    const b = new Browser((r) => server.publicHandler(r));
    const flow = (await (
      await b.get(`${IDENTITY}/self-service/login/browser`, 'application/json')
    ).json()) as Body;
    assert.equal((await passwordLogin(b, flow)).status, 303);
    const registration = await b.get(
      `${IDENTITY}/self-service/registration/browser?login_challenge=known&return_to=http%3A%2F%2Flocalhost%3A4000%2Fnotes`,
    );
    assert.equal(registration.status, 302);
    const login = new URL(registration.headers.get('location')!);
    assert.equal(login.origin + login.pathname, `${IDENTITY}/self-service/login/browser`);
    assert.equal(login.searchParams.get('login_challenge'), 'known');
    assert.equal(login.searchParams.get('return_to'), 'http://localhost:4000/notes');
  } finally {
    await server.close();
  }
});
