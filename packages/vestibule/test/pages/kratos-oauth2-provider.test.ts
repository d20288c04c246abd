// Kratos's own oauth2_provider integration behind the edge (the alternative to the edge's
// /oauth2/login): Hydra's urls.login is the edge's /login page, which passes login_challenge on to
// the embedded identity server's login init; after the password Kratos accepts the challenge and
// the browser goes back to Hydra, through consent to the relying party's callback.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { createOAuth2Server, parseConfig, type OAuth2Server } from '@vestibule/oauth2-server';
import { formOf, startPagesStack, type Stack } from '../support/pages-stack.ts';

const CALLBACK = 'http://rp.test/callback';
const CONSENT_APP = 'http://consent.test/consent';
const EMAIL = 'kratos-as-login-app@example.com';
const PASSWORD = 'Kratos accepts the challenge itself';

let stack: Stack;
let hydra: OAuth2Server;
let hydraPublic: string;
let hydraAdmin: string;
let clientId: string;
let identityId: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

before(async () => {
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  stack = await startPagesStack({ oauth2_provider: { url: `http://127.0.0.1:${adminPort}` } });
  hydra = await createOAuth2Server({
    config: parseConfig(
      {
        dsn: 'memory',
        serve: { public: { port: publicPort }, admin: { port: adminPort } },
        urls: {
          self: { issuer: `http://127.0.0.1:${publicPort}` },
          login: `${stack.edgeURL}/login`,
          consent: CONSENT_APP,
          logout: 'http://consent.test/logout',
          error: 'http://consent.test/error',
        },
        secrets: { system: ['a-system-secret-of-32-characters!'] },
      },
      { dev: true },
    ),
  });
  ({ publicURL: hydraPublic, adminURL: hydraAdmin } = await hydra.listen());
  const client = await fetch(`${hydraAdmin}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [CALLBACK],
      scope: 'openid',
    }),
  });
  clientId = ((await client.json()) as { client_id: string }).client_id;
  const created = await fetch(`${stack.kratosAdminURL}/admin/identities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      schema_id: 'default',
      traits: { email: EMAIL },
      credentials: { password: { config: { password: PASSWORD } } },
    }),
  });
  identityId = ((await created.json()) as { id: string }).id;
});
after(async () => {
  await stack?.close();
  await hydra?.close();
});

test("Hydra → the edge's /login → Kratos accepts the challenge after the password → consent → code", async () => {
  const browser = stack.newBrowser();
  const auth = new URL(`${hydraPublic}/oauth2/auth`);
  auth.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: CALLBACK,
    state: 'state-of-at-least-eight',
  }).toString();
  const toLogin = await browser.go(auth.toString());
  const loginURL = new URL(toLogin.headers.get('location')!);
  assert.equal(loginURL.origin + loginURL.pathname, `${stack.edgeURL}/login`);
  assert.ok(loginURL.searchParams.get('login_challenge'));

  const page = await browser.open(loginURL.toString());
  assert.equal(page.url.pathname, '/login');
  assert.ok(page.url.searchParams.get('flow'), 'Kratos made a flow from the challenge');
  const form = formOf(await page.response.text());
  const submitted = await browser.go(form.action, {
    method: 'POST',
    form: { ...form.fields, identifier: EMAIL, password: PASSWORD, method: 'password' },
  });
  assert.equal(submitted.status, 303, await submitted.clone().text());
  let next = submitted.headers.get('location')!;
  assert.ok(next.startsWith(`${hydraPublic}/oauth2/auth`), `back to Hydra, got ${next}`);

  while (next.startsWith(hydraPublic)) {
    const hop = await browser.go(next);
    next = new URL(hop.headers.get('location')!, next).toString();
  }
  assert.ok(next.startsWith(CONSENT_APP), next);
  const challenge = new URL(next).searchParams.get('consent_challenge')!;
  const consent = (await (
    await fetch(`${hydraAdmin}/admin/oauth2/auth/requests/consent?consent_challenge=${challenge}`)
  ).json()) as { subject: string; amr: string[] };
  assert.equal(consent.subject, identityId);
  assert.deepEqual(consent.amr, ['password']);
  const accepted = (await (
    await fetch(
      `${hydraAdmin}/admin/oauth2/auth/requests/consent/accept?consent_challenge=${challenge}`,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_scope: ['openid'] }),
      },
    )
  ).json()) as { redirect_to: string };
  next = accepted.redirect_to;
  while (next.startsWith(hydraPublic)) {
    const hop = await browser.go(next);
    next = new URL(hop.headers.get('location')!, next).toString();
  }
  const callback = new URL(next);
  assert.equal(callback.origin + callback.pathname, CALLBACK);
  assert.ok(callback.searchParams.get('code'));
  assert.equal(callback.searchParams.get('state'), 'state-of-at-least-eight');
});
