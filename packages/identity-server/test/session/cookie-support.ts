// Registers through a browser JSON flow on a server built with `overrides` and returns the
// Set-Cookie headers: the CSRF cookie from the flow init, the session cookie from the submit.
import assert from 'node:assert/strict';
import { createIdentityServer } from '../../src/server.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import { createClient } from '../support/http-client.ts';

export async function browserRegistrationCookies(
  overrides: Record<string, unknown>,
): Promise<{ csrf: string; session: string }> {
  const context = await createMemoryContext(overrides);
  const server = await createIdentityServer({ context });
  const client = createClient(context.config.serve.public.base_url, server.publicHandler);
  const init = await client.request('/self-service/registration/browser', {
    headers: { accept: 'application/json' },
  });
  const flow = (await init.json()) as {
    ui: { action: string; nodes: Array<{ attributes: Record<string, unknown> }> };
  };
  const csrf = init.headers.getSetCookie().find((c) => c.startsWith('csrf_token_'));
  assert.ok(csrf, 'a CSRF cookie is set');
  const token = flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')!.attributes.value;
  const res = await server.publicHandler(
    new Request(flow.ui.action, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: csrf.split(';')[0]! },
      body: JSON.stringify({
        method: 'password',
        csrf_token: token,
        traits: { email: 'cookie@example.com' },
        password: 'a long enough passphrase',
      }),
    }),
  );
  assert.equal(res.status, 200, await res.clone().text());
  const name = context.config.session.cookie.name;
  const session = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  assert.ok(session, `a ${name} cookie is set`);
  return { csrf, session };
}
