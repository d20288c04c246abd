import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../src/config/index.ts';
import { createPasswordPolicy, longestCommonSubstring, tooSimilar } from '../../src/hash/index.ts';

const config = defaultConfig();

// Kratos's validator table (selfservice/strategy/password/validator_test.go), minus breach cases.
const KRATOS_CASES: Array<{ id: string; pw: string; expect?: number }> = [
  { id: '', pw: '', expect: 4000032 },
  { id: '', pw: '1234', expect: 4000032 },
  { id: '', pw: 'l3f9to', expect: 4000032 },
  { id: '', pw: 'l3f9toh1uaf81n21' },
  { id: 'l3f9toh1uaf81n21', pw: 'l3f9toh1uaf81n21', expect: 4000031 },
  { id: '', pw: 'l3f9toh1' },
  { id: '', pw: '0'.repeat(500) },
  { id: 'hello@example.com', pw: 'hello@example.com12345', expect: 4000031 },
  { id: 'hello@example.com', pw: '123hello@example.com123', expect: 4000031 },
  { id: 'hello@example.com', pw: 'hello@exam', expect: 4000031 },
  { id: 'hello@example.com', pw: 'HELLO@EXAMPLE.COM', expect: 4000031 },
  { id: 'hello@example.com', pw: 'HELLO@example.com', expect: 4000031 },
  { id: 'hello@exam', pw: 'hello@example.com', expect: 4000031 },
  { id: 'hello@example.com', pw: 'h3ll0@example', expect: 4000031 },
  { id: 'abcd', pw: '9d3c8a1b' },
  { id: 'a', pw: 'kjOklafe' },
  { id: 'ab', pw: '0000ab0000123' },
  { id: 'd4f6090b-5a84', pw: 'd4f6090b-5a84-2184-4404-8d1b-8da3eb00ebbe' },
  { id: 'asdflasdflasdf', pw: 'asdflasdflpiuhefnciluaksdzuföfhg' },
];

test("Kratos's password validator table gives the same verdicts", async () => {
  // bcrypt's 72-byte limit is a separate (hasher) rule; argon2 here so the 500-char case is allowed.
  const policy = createPasswordPolicy(defaultConfig({ hashers: { algorithm: 'argon2' } }));
  for (const c of KRATOS_CASES) {
    const result = await policy.check(c.pw, c.id ? [c.id] : []);
    assert.equal(result?.id, c.expect, `id=${c.id} pw=${c.pw.slice(0, 30)}`);
  }
});

test('messages carry Kratos ids, texts and context', async () => {
  const policy = createPasswordPolicy(config);
  assert.deepEqual(await policy.check('short', []), {
    id: 4000032,
    text: 'The password must be at least 8 characters long, but got 5.',
    type: 'error',
    context: { min_length: 8, actual_length: 5 },
  });
  assert.deepEqual(await policy.check('ada@example.com', ['ada@example.com']), {
    id: 4000031,
    text: 'The password can not be used because it is too similar to the identifier.',
    type: 'error',
  });
  assert.deepEqual(await policy.check('x'.repeat(73), []), {
    id: 4000033,
    text: 'The password must be at most 72 characters long, but got 73.',
    type: 'error',
    context: { max_length: 72, actual_length: 73 },
  });
  assert.equal(await policy.check('a perfectly fine passphrase', ['ada@example.com']), undefined);
});

test('every identifier is checked; min_password_length and the similarity switch come from config', async () => {
  const policy = createPasswordPolicy(config);
  assert.equal(
    (await policy.check('grace.hopper', ['ada@example.com', 'grace.hopper']))?.id,
    4000031,
  );
  const lax = createPasswordPolicy(
    defaultConfig({
      selfservice: {
        methods: {
          password: {
            config: { min_password_length: 12, identifier_similarity_check_enabled: false },
          },
        },
      },
    }),
  );
  assert.equal((await lax.check('elevenchars', []))?.id, 4000032);
  assert.equal(await lax.check('ada@example.com', ['ada@example.com']), undefined);
});

test('similarity helpers: longest common substring and the Kratos thresholds', () => {
  assert.equal(longestCommonSubstring('hello@example.com', 'h3ll0@example'), 8);
  assert.equal(longestCommonSubstring('', 'abc'), 0);
  assert.equal(tooSimilar('abcd', '9d3c8a1b'), false);
  assert.equal(tooSimilar('Ada', 'ADA12'), true);
});
