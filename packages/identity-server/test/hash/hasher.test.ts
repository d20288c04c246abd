import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import fc from 'fast-check';
import { defaultConfig } from '../../src/config/index.ts';
import {
  checkImportedHash,
  createPasswordHasher,
  hashFamily,
  needsRehash,
  PasswordTooLongError,
  verifyHash,
} from '../../src/hash/index.ts';

const fastBcrypt = defaultConfig({ hashers: { bcrypt: { cost: 4 } } }).hashers;
const fastArgon2 = defaultConfig({
  hashers: { algorithm: 'argon2', argon2: { memory: '64KB', iterations: 1, parallelism: 1 } },
}).hashers;

// Vectors from Kratos's own hash comparator tests (hash/hash_comparator_test.go): password "test".
const KRATOS_VECTORS = {
  ok: [
    '$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6',
    '$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw',
    '$argon2id$v=19$m=32,t=5,p=4$cm94YnRVOW5jZzFzcVE4bQ$fBxypOL0nP/zdPE71JtAV71i487LbX3fJI5PoTN6Lp4',
    '$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c',
    '$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI',
    '$pbkdf2-sha512$i=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc',
    '$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=',
  ],
  wrong: [
    '$2a$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL7',
    '$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRN2',
    '$argon2i$v=19$m=65536,t=3,p=4$pZ+27D6B0bCi0DwSmANF1w$4RNCUu4Uyu7eTIvzIdSuKz+I9idJlX/ykn6J10/W0EU',
    '$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpp',
    '$pbkdf2-sha256$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI',
    '$pbkdf2-sha512$I=100000,l=32$bdHBpn7OWOivJMVJypy2UqR0UnaD5prQXRZevj/05YU$+wArTfv1a+bNGO1iZrmEdVjhA+lL11wF4/IxpgYfPwc',
    '$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYF=',
    '$scrypt$ln=16385,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=',
    '$scrypt$ln=16384,r=8,p=1$(2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE=',
    '$unknown$12$o6hx.Wog/wvFSkT/Bp/6DOxCtLRTDj7lm9on9suF/WaCGNVHbkfL6',
  ],
};

test("verifies Kratos's own import vectors and rejects their tampered twins", async () => {
  for (const hashed of KRATOS_VECTORS.ok) {
    assert.equal(await verifyHash('test', hashed), true, hashed);
    assert.equal(await verifyHash('tesu', hashed), false, hashed);
    assert.equal(checkImportedHash(hashed), undefined, hashed);
  }
  for (const hashed of KRATOS_VECTORS.wrong)
    assert.equal(await verifyHash('test', hashed), false, hashed);
});

test('bcrypt $2b$ and $2y$ imports verify (PHP/OpenBSD prefixes)', async () => {
  const { hash } = await import('@node-rs/bcrypt');
  const b = await hash('correct horse', { cost: 4, version: '2b' });
  const y = await hash('correct horse', { cost: 4, version: '2y' });
  assert.match(b, /^\$2b\$04\$/);
  assert.match(y, /^\$2y\$04\$/);
  for (const hashed of [b, y]) {
    assert.equal(hashFamily(hashed), 'bcrypt');
    assert.equal(await verifyHash('correct horse', hashed), true);
    assert.equal(await verifyHash('correct horsE', hashed), false);
  }
});

test('pbkdf2 (sha1…sha512) and scrypt in Kratos import format, built with node:crypto', async () => {
  for (const digest of ['sha1', 'sha224', 'sha256', 'sha384', 'sha512']) {
    const salt = randomBytes(16);
    const key = pbkdf2Sync('s3cret pass', salt, 1000, 32, digest);
    const raw = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
    const hashed = `$pbkdf2-${digest}$i=1000,l=32$${raw(salt)}$${raw(key)}`;
    assert.equal(await verifyHash('s3cret pass', hashed), true, digest);
    assert.equal(await verifyHash('s3cret pasS', hashed), false, digest);
  }
  const salt = randomBytes(16);
  const key = scryptSync('s3cret pass', salt, 32, { N: 1024, r: 8, p: 1 });
  const hashed = `$scrypt$ln=1024,r=8,p=1$${salt.toString('base64')}$${key.toString('base64')}`;
  assert.equal(await verifyHash('s3cret pass', hashed), true);
  assert.equal(await verifyHash('other', hashed), false);
});

test('imports with absurd parameters or unknown formats are refused before any work', () => {
  assert.match(checkImportedHash('plaintext')!, /unsupported/);
  assert.match(checkImportedHash('$md5$CY9rzUYh03PK3k6DJie09g==')!, /unsupported/);
  assert.match(checkImportedHash('$pbkdf2-sha256$i=999999999,l=32$c2FsdA$aGFzaA')!, /pbkdf2/);
  assert.match(checkImportedHash('$scrypt$ln=1073741824,r=8,p=1$c2FsdA==$aGFzaA==')!, /scrypt/);
  assert.match(
    checkImportedHash('$scrypt$ln=1000,r=8,p=1$c2FsdA==$aGFzaA==')!,
    /scrypt/,
    'N not a power of two',
  );
  assert.match(
    checkImportedHash('$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')!,
    /too large/,
  );
});

test('property: verifyHash never throws on arbitrary stored strings', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string(),
        fc
          .constantFrom('$2a$', '$argon2id$', '$pbkdf2-sha256$', '$scrypt$')
          .chain((p) => fc.string().map((s) => p + s)),
      ),
      async (hashed) => {
        assert.equal(typeof (await verifyHash('pw', hashed)), 'boolean');
      },
    ),
    { numRuns: 200 },
  );
});

test('bcrypt hasher: $2a$ with the configured cost (default 12), round trip, 72-byte limit', async () => {
  assert.equal(defaultConfig().hashers.bcrypt.cost, 12);
  const hasher = createPasswordHasher(fastBcrypt);
  const hashed = await hasher.hash('correct horse battery');
  assert.match(hashed, /^\$2a\$04\$[./A-Za-z0-9]{53}$/);
  assert.equal(await hasher.verify('correct horse battery', hashed), true);
  assert.equal(await hasher.verify('correct horse batterY', hashed), false);
  await assert.rejects(hasher.hash('é'.repeat(37)), PasswordTooLongError);
  // bcrypt would ignore everything past byte 72; Kratos refuses such passwords at comparison too.
  const seventyTwo = 'a'.repeat(72);
  const at72 = await hasher.hash(seventyTwo);
  assert.equal(await hasher.verify(seventyTwo, at72), true);
  assert.equal(await hasher.verify(`${seventyTwo}b`, at72), false);
});

test('argon2id hasher: PHC string with configured parameters', async () => {
  const hasher = createPasswordHasher(fastArgon2);
  const hashed = await hasher.hash('correct horse battery');
  assert.match(hashed, /^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.equal(await hasher.verify('correct horse battery', hashed), true);
  assert.equal(await hasher.verify('wrong', hashed), false);
  assert.equal(hasher.needsRehash(hashed), false);
});

test('needsRehash: other algorithm or weaker parameters than configured', async () => {
  const bcryptHasher = createPasswordHasher(fastBcrypt);
  const argonHash = await createPasswordHasher(fastArgon2).hash('pw-pw-pw-pw');
  assert.equal(bcryptHasher.needsRehash(await bcryptHasher.hash('pw-pw-pw-pw')), false);
  assert.equal(bcryptHasher.needsRehash(argonHash), true);
  assert.equal(bcryptHasher.needsRehash(KRATOS_VECTORS.ok[4]!), true);
  assert.equal(needsRehash({ ...fastBcrypt, bcrypt: { cost: 13 } }, KRATOS_VECTORS.ok[0]!), true);
  assert.equal(needsRehash(fastArgon2, KRATOS_VECTORS.ok[1]!), true);
  assert.equal(needsRehash(fastBcrypt, 'garbage'), true);
});

test('dummyVerify does the same kind of work as a real verify and never throws', async () => {
  const hasher = createPasswordHasher(fastBcrypt);
  await hasher.dummyVerify('whatever');
  await hasher.dummyVerify('x'.repeat(100_000));
  await hasher.dummyVerify('');
});
