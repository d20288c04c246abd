// Kratos's Have I Been Pwned check (haveibeenpwned_enabled, haveibeenpwned_host, max_breaches,
// ignore_network_errors) and the offline common-password floor, against a local double of the
// range API: no test here reaches the network.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultConfig,
  devConfigObject,
  parseConfig,
  type ConfigOverrides,
} from '../../src/config/index.ts';
import { createPasswordPolicy } from '../../src/hash/index.ts';
import { RangeCache } from '../../src/hash/breached.ts';
import { KratosError } from '../../src/http/errors.ts';
import { createIdentityServer } from '../../src/server.ts';
import { sha1Hex, startRangeDouble, type RangeDouble } from '../support/pwned-range-double.ts';

let range: RangeDouble;
before(async () => {
  range = await startRangeDouble();
});
after(() => range.close());

const pwned = (config: Record<string, unknown>): ConfigOverrides => ({
  selfservice: {
    methods: { password: { config: { haveibeenpwned_enabled: true, ...config } } },
  },
});
const policyWith = (config: Record<string, unknown> = {}, floor = true) =>
  createPasswordPolicy(defaultConfig(pwned(config)), {
    fetch: range.fetch,
    commonPasswords: floor,
  });

/** Serves `lines` for the password's prefix, with the password's own line built by `own`. */
function serve(password: string, own: (suffix: string) => string, status = 200): void {
  const digest = sha1Hex(password);
  range.answer(digest.slice(0, 5), status, own(digest.slice(5)));
}

test("kratos.yml without the keys gets Kratos's defaults: on, api.pwnedpasswords.com, 0, ignore errors", () => {
  const raw = devConfigObject() as { selfservice: Record<string, unknown> };
  delete raw.selfservice.methods;
  const { config } = parseConfig(raw);
  const rules = config.selfservice.methods.password;
  assert.equal(rules.haveibeenpwned_enabled, true);
  assert.equal(rules.haveibeenpwned_host, 'api.pwnedpasswords.com');
  assert.equal(rules.max_breaches, 0);
  assert.equal(rules.ignore_network_errors, true);
  assert.throws(() => defaultConfig(pwned({ max_breaches: 101 })), /max_breaches/);
});

test('only the first 5 hex chars of the SHA-1 are sent, over https to haveibeenpwned_host', async () => {
  range.requested.length = 0;
  await policyWith().check('damrumukuh', ['mohutdesub']);
  // Kratos's own fixture: SHA-1("damrumukuh") starts with BCBA9.
  assert.deepEqual(range.requested, ['https://api.pwnedpasswords.com/range/BCBA9']);
  range.requested.length = 0;
  await policyWith({ haveibeenpwned_host: 'hibp.internal:8443' }).check('damrumukuh', []);
  assert.deepEqual(range.requested, ['https://hibp.internal:8443/range/BCBA9']);
});

test('a suffix seen more than max_breaches times is refused with 4000034 and its count', async () => {
  const password = 'a3f0c1b2 breached';
  serve(password, (s) => `0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n${s}:6\r\nFFFFF:0`);
  assert.deepEqual(await policyWith({ max_breaches: 5 }).check(password, []), {
    id: 4000034,
    text: 'The password has been found in data breaches and must no longer be used.',
    type: 'error',
    context: { breaches: 6 },
  });
  assert.equal(await policyWith({ max_breaches: 6 }).check(password, []), undefined);
  assert.equal((await policyWith().check(password, []))?.id, 4000034);
});

test("the range body is read as Kratos reads it: odd lines skipped, '0,' counts, bad counts are an upstream error", async () => {
  const cases: Array<[string, (s: string) => string, number | undefined]> = [
    ['contains invalid data which is ignored', (s) => `${s}:2\ninvalid`, 4000034],
    ['is missing a colon', (s) => s, undefined],
    ['is missing its count', (s) => `${s}\nAAAAABBBBBCCCCCDDDDDEEEEEFFFFF00000:2`, undefined],
    ['no match', () => 'AAAAABBBBBCCCCCDDDDDEEEEEFFFFF00000:57', undefined],
    [
      'another line has a leading comma',
      (s) => `${s}:0\nAAAAABBBBBCCCCCDDDDDEEEEEFFFFF00000:0,6`,
      undefined,
    ],
    ['its own count has a leading comma', (s) => `${s}:0,6`, 4000034],
    [
      'padding lines with count 0',
      (s) => `${s}:0\nAAAAABBBBBCCCCCDDDDDEEEEEFFFFF00000:0`,
      undefined,
    ],
  ];
  for (const [name, body, expected] of cases) {
    const password = `case ${name}`;
    serve(password, body);
    assert.equal((await policyWith().check(password, []))?.id, expected, name);
  }
  const password = 'case a count that is text';
  serve(password, (s) => `AAAAABBBBBCCCCCDDDDDEEEEEFFFFF00000:text\n${s}:2`);
  await assert.rejects(policyWith().check(password, []), (err: unknown) => {
    assert.ok(err instanceof KratosError);
    assert.equal(err.code, 502);
    return true;
  });
});

test('ignore_network_errors: a 5xx or an unreachable API accepts the password only when true', async () => {
  const password = 'jenuzuhjoj-5xx';
  serve(password, (s) => `${s}:99`, 500);
  assert.equal(await policyWith().check(password, []), undefined);
  await assert.rejects(policyWith({ ignore_network_errors: false }).check(password, []), (err) => {
    assert.ok(err instanceof KratosError);
    assert.equal(err.code, 500);
    return true;
  });
  serve('jolhakowef-403', () => '', 403);
  await assert.rejects(
    policyWith({ ignore_network_errors: false }).check('jolhakowef-403', []),
    KratosError,
  );
  const down = (async () => {
    throw new TypeError('fetch failed');
  }) as typeof fetch;
  const policy = (ignore: boolean) =>
    createPasswordPolicy(defaultConfig(pwned({ ignore_network_errors: ignore })), { fetch: down });
  assert.equal(await policy(true).check('pepegtawni-down', []), undefined);
  await assert.rejects(policy(false).check('sumdarmetp-down', []), KratosError);
});

test('haveibeenpwned_enabled: false sends nothing', async () => {
  range.requested.length = 0;
  const off = createPasswordPolicy(defaultConfig(), { fetch: range.fetch });
  assert.equal(await off.check('damrumukuh', ['mohutdesub']), undefined);
  assert.deepEqual(range.requested, []);
});

test('the offline floor refuses common passwords with 4000034 before any lookup, case-insensitively', async () => {
  range.requested.length = 0;
  const offline = createPasswordPolicy(defaultConfig(), { fetch: range.fetch });
  for (const common of ['password1234', 'Password1234', 'qwerty123', 'iloveyou']) {
    assert.deepEqual(
      await offline.check(common, ['someone@example.com']),
      {
        id: 4000034,
        text: 'The password has been found in data breaches and must no longer be used.',
        type: 'error',
        context: { breaches: 1 },
      },
      common,
    );
  }
  assert.equal((await policyWith().check('password1234', []))?.id, 4000034);
  assert.deepEqual(range.requested, [], 'a common password never reaches the range API');
  // Kratos's own order: too short first, then similarity, then breaches.
  assert.equal((await offline.check('1234', []))?.id, 4000032);
  assert.equal(await offline.check('a passphrase nobody uses', []), undefined);
  const withoutFloor = createPasswordPolicy(defaultConfig(), { commonPasswords: false });
  assert.equal(await withoutFloor.check('password1234', []), undefined);
});

test('registration through the embedded server refuses password1234 with no network', async () => {
  const server = await createIdentityServer({
    config: defaultConfig({ hashers: { bcrypt: { cost: 4 } } }),
    log: () => {},
  });
  try {
    const flow = (await (
      await server.publicHandler(new Request('http://kratos.test/self-service/registration/api'))
    ).json()) as { ui: { action: string } };
    const submit = (password: string) =>
      server.publicHandler(
        new Request(flow.ui.action, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            method: 'password',
            traits: { email: 'floor@example.com' },
            password,
          }),
        }),
      );
    const refused = await submit('password1234');
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as {
      ui: { nodes: Array<{ attributes: { name: string }; messages: Array<{ id: number }> }> };
    };
    const node = body.ui.nodes.find((n) => n.attributes.name === 'password');
    assert.deepEqual(
      node?.messages.map((m) => m.id),
      [4000034],
    );
    assert.equal((await submit('a passphrase nobody uses')).status, 200);
  } finally {
    await server.close();
  }
});

test('an oversized range answer is not held in memory: treated as a failed lookup', async () => {
  const password = 'case an oversized answer';
  serve(password, (s) => `${s}:9\n` + 'AAAAABBBBBCCCCCDDDDDEEEEEFFFFF00000:1\n'.repeat(40_000));
  assert.equal(await policyWith().check(password, []), undefined);
  await assert.rejects(
    policyWith({ ignore_network_errors: false }).check(password, []),
    KratosError,
  );
  // The same line in a normal-sized answer is refused: the size, not the content, decided above.
  serve(password, (s) => `${s}:9\n`);
  assert.equal((await policyWith().check(password, []))?.id, 4000034);
});

test('a prefix answered once is not asked again by the same server (Kratos caches fetched hashes too)', async () => {
  const policy = policyWith();
  const password = 'case cached prefix';
  serve(password, (s) => `${s}:0`);
  range.requested.length = 0;
  assert.equal(await policy.check(password, []), undefined);
  assert.equal(await policy.check(password, []), undefined);
  assert.equal(range.requested.length, 1);
  // A failed lookup is not cached: the next check asks again.
  const failing = 'case failed lookups are retried';
  serve(failing, () => '', 503);
  await policy.check(failing, []);
  await policy.check(failing, []);
  assert.equal(range.requested.length, 3);
});

test('RangeCache: entries expire after their TTL and the oldest goes first past the limit', () => {
  let now = 0;
  const cache = new RangeCache(2, 1000, () => now);
  cache.set('AAAAA', 'a');
  cache.set('BBBBB', 'b');
  cache.set('CCCCC', 'c');
  assert.equal(cache.get('AAAAA'), undefined);
  assert.equal(cache.get('BBBBB'), 'b');
  now = 1001;
  assert.equal(cache.get('CCCCC'), undefined);
});
