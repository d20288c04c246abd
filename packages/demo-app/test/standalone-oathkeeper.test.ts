// Issue 14: the demo app starts on its own (`npm run start --workspace @vestibule/demo-app`) and,
// with VESTIBULE_IDENTITY_SOURCE=oathkeeper, reads identity from Oathkeeper's id_token: here a local
// JWKS and tokens signed the way the id_token mutator signs them. Run as a child process through
// the npm script itself, so the script, the env parsing and the server are what is tested.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  kratosSessionClaim,
  startOathkeeperJWKS,
  type OathkeeperJWKS,
} from '../../../test/support/oathkeeper-jwks.ts';
import { demoOptionsFromEnv, DEFAULT_APP_PORT } from '../src/env.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const AUDIENCE = 'notes';
let jwks: OathkeeperJWKS;
let child: ChildProcess | undefined;
let appURL: string;

/** Starts the npm script; resolves with the URL the app prints, fails if it exits first. */
function startScript(env: Record<string, string>): Promise<string> {
  child = spawn('npm', ['run', 'start', '--workspace', '@vestibule/demo-app'], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: npm, sh and node stop together
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /demo app listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

before(async () => {
  jwks = await startOathkeeperJWKS();
  appURL = await startScript({
    VESTIBULE_APP_PORT: '0',
    VESTIBULE_IDENTITY_SOURCE: 'oathkeeper',
    VESTIBULE_OATHKEEPER_JWKS_URL: jwks.url,
    VESTIBULE_OATHKEEPER_ISSUER: jwks.issuer,
    VESTIBULE_OATHKEEPER_AUDIENCE: AUDIENCE,
  });
});

after(async () => {
  if (child?.pid && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
  await jwks?.close();
});

const bearer = (token: string) => ({
  authorization: `Bearer ${token}`,
  accept: 'application/json',
});

test('with a valid id_token the app knows the user; its role comes from the Kratos session claim', async () => {
  const id = randomUUID();
  const token = await jwks.mint({
    sub: id,
    claims: {
      aud: [AUDIENCE],
      session: kratosSessionClaim({ id, email: 'ok@example.com', role: 'admin' }),
    },
  });
  const whoami = await (await fetch(`${appURL}/api/whoami`, { headers: bearer(token) })).json();
  assert.deepEqual(whoami, { user: { id, email: 'ok@example.com', role: 'admin' } });
  const admin = await fetch(`${appURL}/admin`, {
    headers: { ...bearer(token), accept: 'text/html' },
  });
  assert.equal(admin.status, 200);
  assert.match(await admin.text(), /ok@example\.com/);
});

test('without a token, or with a token for another audience, nobody is signed in', async () => {
  assert.deepEqual(await (await fetch(`${appURL}/api/whoami`)).json(), { user: null });
  const other = await jwks.mint({ claims: { aud: 'another-app' } });
  assert.deepEqual(await (await fetch(`${appURL}/api/whoami`, { headers: bearer(other) })).json(), {
    user: null,
  });
  const notes = await fetch(`${appURL}/api/notes`, { headers: bearer(other) });
  assert.equal(notes.status, 401);
  // Unsigned identity headers are not believed (no trusted proxies configured).
  const spoofed = await fetch(`${appURL}/api/whoami`, { headers: { 'x-user-id': 'root' } });
  assert.deepEqual(await spoofed.json(), { user: null });
});

test('environment: defaults and clear errors naming the variable', () => {
  const header = demoOptionsFromEnv({ VESTIBULE_HEADER_SECRET: 's'.repeat(40) });
  assert.equal(header.port, DEFAULT_APP_PORT);
  assert.equal(header.port, 4001);
  assert.equal(header.headerSecret, 's'.repeat(40));
  const oathkeeper = demoOptionsFromEnv({
    VESTIBULE_IDENTITY_SOURCE: 'oathkeeper',
    VESTIBULE_OATHKEEPER_JWKS_URL: 'http://oathkeeper:4456/.well-known/jwks.json',
    VESTIBULE_OATHKEEPER_AUDIENCE: 'notes, admin',
    VESTIBULE_APP_PORT: '4101',
  });
  assert.equal(oathkeeper.port, 4101);
  assert.deepEqual(oathkeeper.oathkeeper, {
    jwksURL: 'http://oathkeeper:4456/.well-known/jwks.json',
    audience: ['notes', 'admin'],
  });
  const proxiesOnly = demoOptionsFromEnv({
    VESTIBULE_IDENTITY_SOURCE: 'oathkeeper',
    VESTIBULE_OATHKEEPER_TRUSTED_PROXIES: '10.0.0.0/8',
  });
  assert.deepEqual(proxiesOnly.oathkeeper, { trustedProxies: ['10.0.0.0/8'] });
  for (const [env, message] of [
    [{}, /VESTIBULE_HEADER_SECRET: required/],
    [{ VESTIBULE_IDENTITY_SOURCE: 'oathkeeper' }, /VESTIBULE_OATHKEEPER_JWKS_URL: required/],
    [
      { VESTIBULE_IDENTITY_SOURCE: 'oathkeeper', VESTIBULE_OATHKEEPER_JWKS_URL: 'jwks.json' },
      /VESTIBULE_OATHKEEPER_JWKS_URL: expected an absolute http\(s\) URL/,
    ],
    [
      { VESTIBULE_IDENTITY_SOURCE: 'edge' },
      /VESTIBULE_IDENTITY_SOURCE: expected "header" or "oathkeeper"/,
    ],
    [{ VESTIBULE_HEADER_SECRET: 'x'.repeat(40), VESTIBULE_APP_PORT: '80a' }, /VESTIBULE_APP_PORT/],
  ] as Array<[Record<string, string>, RegExp]>) {
    assert.throws(() => demoOptionsFromEnv(env), message);
  }
});
