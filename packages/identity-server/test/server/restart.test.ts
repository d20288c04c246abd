// Restart over HTTP: with a data-directory DSN, an identity, its password and a live session
// survive stopping the server and starting a new one on the same directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createIdentityServer } from '../../src/server.ts';
import { writeConfig } from './support.ts';

const quiet = () => {};

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

test('identities and sessions survive a restart with a directory DSN', async () => {
  const { path, dir } = await writeConfig((config, d) => {
    config.dsn = join(d, 'data');
  });
  const first = await createIdentityServer({ configPath: path, log: quiet });
  const up = await first.listen();
  const flow = await json(await fetch(`${up.publicURL}/self-service/registration/api`));
  const action = (flow.ui as { action: string }).action;
  const registered = await fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      method: 'password',
      traits: { email: 'restart@example.com' },
      password: 'survives a restart',
    }),
  });
  assert.equal(registered.status, 200);
  const { session_token: token, identity } = (await registered.json()) as {
    session_token: string;
    identity: { id: string };
  };
  await first.close();

  const second = await createIdentityServer({ configPath: path, log: quiet });
  const again = await second.listen();
  try {
    assert.ok(again.publicURL, `restarted on the data in ${dir}`);
    const who = await fetch(`${again.publicURL}/sessions/whoami`, {
      headers: { 'x-session-token': token },
    });
    assert.equal(who.status, 200);
    assert.equal(((await who.json()) as { identity: { id: string } }).identity.id, identity.id);
    const login = await json(await fetch(`${again.publicURL}/self-service/login/api`));
    const loggedIn = await fetch((login.ui as { action: string }).action, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'password',
        identifier: 'restart@example.com',
        password: 'survives a restart',
      }),
    });
    assert.equal(loggedIn.status, 200);
  } finally {
    await second.close();
  }
});
