// `vestibule users …` and `vestibule sessions …` against the embedded identity server through the
// official SDK: tables and --json, pagination, unknown users, and confirmation before destruction.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../src/main.ts';
import { memoryIO } from './support/memory-io.ts';
import { signInByAPI, startTestIdentity } from './support/identity.ts';
import type { EmbeddedIdentity } from '../src/stack/embedded-identity.ts';

let identity: EmbeddedIdentity;
let env: Record<string, string>;

before(async () => {
  identity = await startTestIdentity();
  env = { VESTIBULE_KRATOS_ADMIN_URL: identity.adminURL };
});
after(() => identity.close());

async function run(argv: string[], options: Parameters<typeof memoryIO>[1] = {}) {
  const io = memoryIO(env, options);
  const code = await main(argv, io.io);
  return { code, out: io.out(), err: io.err(), questions: io.questions };
}

async function json<T>(argv: string[]): Promise<T> {
  const result = await run([...argv, '--json']);
  assert.equal(result.code, 0, result.err);
  return JSON.parse(result.out) as T;
}

type User = {
  id: string;
  state: string;
  traits: { email: string };
  metadata_public: { role?: string } | null;
};

test('users create, show (by email and id), set-role, list as a table and as JSON', async () => {
  const created = await run(
    ['users', 'create', 'ada@example.com', '--role', 'editor', '--password-stdin'],
    {
      stdin: 'correct horse battery staple\n',
    },
  );
  assert.equal(created.code, 0, created.err);
  assert.match(created.out, /✓ created ada@example\.com \([0-9a-f-]{36}\) with role editor/);

  const byEmail = await json<User>(['users', 'show', 'ada@example.com']);
  assert.equal(byEmail.metadata_public?.role, 'editor');
  const byID = await json<User>(['users', 'show', byEmail.id]);
  assert.equal(byID.traits.email, 'ada@example.com');

  const shown = await run(['users', 'show', 'ada@example.com']);
  assert.match(shown.out, /^FIELD\s+VALUE\n/);
  assert.match(shown.out, /role\s+editor/);

  assert.equal((await run(['users', 'set-role', 'ada@example.com', 'admin'])).code, 0);
  assert.equal((await json<User>(['users', 'show', byEmail.id])).metadata_public?.role, 'admin');
  await run(['users', 'set-role', 'ada@example.com', '-']);
  assert.equal((await json<User>(['users', 'show', byEmail.id])).metadata_public?.role, undefined);

  const table = await run(['users', 'list']);
  assert.match(table.out, /^ID\s+EMAIL\s+ROLE\s+STATE\s+CREATED\n/);
  assert.match(table.out, new RegExp(`${byEmail.id}\\s+ada@example\\.com\\s+-\\s+active`));
  assert.ok(!table.out.includes('\u001b['), 'no colour codes when not on a terminal');

  const password = await signInByAPI(
    identity.publicURL,
    'ada@example.com',
    'correct horse battery staple',
  );
  assert.ok(password.session_token, 'the password read from stdin works');
});

test('users list pages with Kratos page tokens; --all walks every page', async () => {
  for (const n of [1, 2, 3]) {
    assert.equal((await run(['users', 'create', `page${n}@example.com`])).code, 0);
  }
  const first = await run(['users', 'list', '--page-size', '2']);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /2 user\(s\)/);
  const token = /next page: vestibule users list --page-token (\S+)/.exec(first.out)?.[1];
  assert.ok(token, first.out);
  const second = await run(['users', 'list', '--page-size', '2', '--page-token', token]);
  const firstIDs = [...first.out.matchAll(/^([0-9a-f-]{36})/gm)].map((m) => m[1]);
  const secondIDs = [...second.out.matchAll(/^([0-9a-f-]{36})/gm)].map((m) => m[1]);
  assert.equal(secondIDs.length, 2);
  assert.ok(
    secondIDs.every((id) => !firstIDs.includes(id)),
    'the next page has other users',
  );

  const all = await json<User[]>(['users', 'list', '--page-size', '2', '--all']);
  const emails = all.map((u) => u.traits.email);
  for (const email of ['page1@example.com', 'page2@example.com', 'page3@example.com']) {
    assert.ok(emails.includes(email), `${email} in --all`);
  }
  assert.equal(new Set(all.map((u) => u.id)).size, all.length, 'no user twice');
});

test('an unknown user is a clear error with exit code 1, for every subcommand that names one', async () => {
  for (const argv of [
    ['users', 'show', 'nobody@example.com'],
    ['users', 'show', '00000000-0000-4000-8000-000000000000'],
    ['users', 'set-role', 'nobody@example.com', 'admin'],
    ['users', 'disable', 'nobody@example.com', '--yes'],
    ['users', 'delete', 'nobody@example.com', '--yes'],
    ['sessions', 'list', '--user', 'nobody@example.com'],
    ['sessions', 'revoke', '--user', 'nobody@example.com', '--yes'],
  ]) {
    const result = await run(argv);
    assert.equal(result.code, 1, argv.join(' '));
    assert.match(
      result.err,
      /no user "(nobody@example\.com|00000000-[0-9a-f-]+)" in Kratos at http:\/\/127\.0\.0\.1:\d+/,
    );
    assert.doesNotMatch(result.err, /\n\s+at /);
  }
});

test('destructive actions: refused without a terminal and without --yes (exit 2), asked on a terminal', async () => {
  await run(['users', 'create', 'bob@example.com']);
  const refused = await run(['users', 'delete', 'bob@example.com']);
  assert.equal(refused.code, 2);
  assert.match(
    refused.err,
    /refusing to ask "Delete bob@example\.com for good\?" without a terminal: pass --yes/,
  );
  assert.equal(
    (await json<User>(['users', 'show', 'bob@example.com'])).state,
    'active',
    'nothing deleted',
  );

  const declined = await run(['users', 'disable', 'bob@example.com'], {
    tty: true,
    answers: [false],
  });
  assert.equal(declined.code, 1);
  assert.deepEqual(declined.questions, ['Disable bob@example.com?']);
  assert.match(declined.err, /cancelled: nothing was changed/);
  assert.equal((await json<User>(['users', 'show', 'bob@example.com'])).state, 'active');

  const accepted = await run(['users', 'disable', 'bob@example.com'], {
    tty: true,
    answers: [true],
  });
  assert.equal(accepted.code, 0, accepted.err);
  assert.match(accepted.out, /✓ bob@example\.com is inactive/);
  assert.equal(
    (await run(['users', 'enable', 'bob@example.com'])).code,
    0,
    'enable needs no question',
  );
  assert.equal((await json<User>(['users', 'show', 'bob@example.com'])).state, 'active');

  const deleted = await run(['users', 'delete', 'bob@example.com', '--yes']);
  assert.equal(deleted.code, 0, deleted.err);
  assert.equal((await run(['users', 'show', 'bob@example.com'])).code, 1, 'gone');
});

test('sessions list (all, per user, JSON) and revoke one or all of a user’s, with confirmation', async () => {
  await run(['users', 'create', 'sam@example.com', '--password-stdin'], {
    stdin: 'a long enough password 123',
  });
  const one = await signInByAPI(
    identity.publicURL,
    'sam@example.com',
    'a long enough password 123',
  );
  const two = await signInByAPI(
    identity.publicURL,
    'sam@example.com',
    'a long enough password 123',
  );

  const table = await run(['sessions', 'list']);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /^ID\s+USER\s+STATE\s+AUTHENTICATED\s+EXPIRES\n/);
  assert.match(table.out, new RegExp(`${one.session.id}\\s+sam@example\\.com\\s+active`));
  const mine = await json<Array<{ id: string }>>(['sessions', 'list', '--user', 'sam@example.com']);
  assert.deepEqual(new Set(mine.map((s) => s.id)), new Set([one.session.id, two.session.id]));

  const refused = await run(['sessions', 'revoke', one.session.id]);
  assert.equal(refused.code, 2);
  const revoked = await run(['sessions', 'revoke', one.session.id], { tty: true, answers: [true] });
  assert.equal(revoked.code, 0, revoked.err);
  assert.match(
    revoked.questions[0]!,
    new RegExp(`Revoke session ${one.session.id} of sam@example\\.com\\?`),
  );
  const whoami = (token: string) =>
    fetch(`${identity.publicURL}/sessions/whoami`, { headers: { 'x-session-token': token } });
  assert.equal((await whoami(one.session_token)).status, 401, 'the revoked session is gone');
  assert.equal((await whoami(two.session_token)).status, 200, 'the other one still works');

  const unknown = await run([
    'sessions',
    'revoke',
    '00000000-0000-4000-8000-000000000000',
    '--yes',
  ]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /no session "00000000-0000-4000-8000-000000000000"/);

  assert.equal((await run(['sessions', 'revoke', '--user', 'sam@example.com', '--yes'])).code, 0);
  assert.equal((await whoami(two.session_token)).status, 401);
  const active = await json<unknown[]>([
    'sessions',
    'list',
    '--user',
    'sam@example.com',
    '--active',
  ]);
  assert.equal(active.length, 0);
});

test('an unreachable admin API names the URL and where it came from; usage errors exit 2', async () => {
  const io = memoryIO({ VESTIBULE_KRATOS_ADMIN_URL: 'http://127.0.0.1:9' });
  assert.equal(await main(['users', 'list'], io.io), 1);
  assert.match(
    io.err(),
    /the Kratos admin API at http:\/\/127\.0\.0\.1:9 \(from VESTIBULE_KRATOS_\* environment\) is unreachable/,
  );

  for (const [argv, pattern] of [
    [['users'], /users: expected a subcommand/],
    [['users', 'frob'], /users: unknown subcommand "frob"/],
    [['users', 'show'], /users show: expected a user id or email/],
    [['users', 'list', '--page-size', '0'], /--page-size: expected a positive whole number/],
    [['sessions', 'revoke'], /sessions revoke: give either a session id or --user/],
    [['users', 'create', 'not-an-email'], /"not-an-email" is not an email address/],
  ] as const) {
    const result = await run([...argv]);
    assert.equal(result.code, 2, argv.join(' '));
    assert.match(result.err, pattern);
  }
});

test('--help on every command and subcommand, each with examples', async () => {
  for (const argv of [
    ['users'],
    ['users', 'list'],
    ['users', 'show'],
    ['users', 'create'],
    ['users', 'set-role'],
    ['users', 'disable'],
    ['users', 'enable'],
    ['users', 'delete'],
    ['sessions'],
    ['sessions', 'list'],
    ['sessions', 'revoke'],
    ['up'],
    ['serve'],
  ]) {
    const result = await run([...argv, '--help']);
    assert.equal(result.code, 0);
    assert.match(result.out, new RegExp(`^Usage: vestibule ${argv.join(' ')}`), argv.join(' '));
    assert.match(result.out, /\nExamples:\n {2}vestibule /, `${argv.join(' ')} has examples`);
  }
});
