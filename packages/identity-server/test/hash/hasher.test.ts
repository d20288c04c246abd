import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
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

// The legacy digest families Kratos imports, with vectors from its comparator tests: [password, hash].
const KRATOS_DIGEST_VECTORS: Array<[string, string]> = [
  ['test123', '{SSHA}JFZFs0oHzxbMwkSJmYVeI8MnTDy/276a'],
  ['test123', '{SSHA256}czO44OTV17PcF1cRxWrLZLy9xHd7CWyVYplr1rOhuMlx/7IK'],
  [
    'test123',
    '{SSHA512}xPUl/px+1cG55rUH4rzcwxdOIPSB2TingLpiJJumN2xyDWN4Ix1WQG3ihnvHaWUE8MYNkvMi5rf0C9NYixHsE6Yh59M=',
  ],
  ['test', '$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$2qU2SGWP8viTM1md3FiI3+rjWXQ='],
  ['test', '$sha1$pf=e1BBU1NXT1JEfSUle1NBTFR9$NW9wbWtnejAzcg==$YX0AW8/MW5ojUlnzTaR43ucHCog='],
  [
    'test',
    '$sha256$pf=e1NBTFR9JCR7UEFTU1dPUkR9$NW9wbWtnejAzcg==$HokCOi9OtiZaZRvnkgemV3B4UUHpI7kA8zq/EZWH2NY=',
  ],
  [
    'test',
    '$sha512$pf=e1NBTFR9e1BBU1NXT1JEfQ==$NW9wbWtnejAzcg==$6ctpVuApMNp0CgBXcdHw/GC562eFEFGr4gpgANX8ZYsX+j5B19IkdmOY2Fytsz3QUwSWdGcUjbqwgJGTH0UYvw==',
  ],
  ['test', '$md5$CY9rzUYh03PK3k6DJie09g=='],
  ['ory', '$md5$pf=e1BBU1NXT1JEfXtTQUxUfSQ/$MTIzNDU2Nzg5$8PhwWanVRnpJAFK4NUjR0w=='],
  [
    '8x4WjoDbSxJZdR',
    '$firescrypt$ln=14,r=8,p=1$sPtDhWcd1MfdAw==$xbSou7FOl6mChCyzpCPIQ7tku7nsQMTFtyOZSXXd7tjBa4NtimOx7v42Gv2SfzPQu1oxM2/k4SsbOu73wlKe1A==$Bw==$YE0dO4bwD4JnJafh6lZZfkp1MtKzuKAXQcDCJNJNyeCHairWHKENOkbh3dzwaCdizzOspwr/FITUVlnOAwPKyw==',
  ],
];

test('legacy imports as Kratos: SSHA, templated SHA and MD5, HMAC, Firebase scrypt; all rehashed on login', async () => {
  for (const [password, hashed] of KRATOS_DIGEST_VECTORS) {
    assert.equal(checkImportedHash(hashed), undefined, hashed);
    assert.equal(await verifyHash(password, hashed), true, hashed);
    assert.equal(await verifyHash(`${password}x`, hashed), false, hashed);
    assert.equal(needsRehash(fastBcrypt, hashed), true, 'migrated to the configured hasher');
  }
  // Built here with node:crypto: the template fills {SALT} and {PASSWORD} once, byte for byte.
  const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
  const salt = Buffer.from([0xff, 0x00, 0x7b, 0x7d]); // not UTF-8, and contains "{}"
  const digest = createHash('sha256')
    .update(Buffer.concat([Buffer.from('<'), Buffer.from('pässword'), Buffer.from('|'), salt]))
    .digest();
  const templated = `$sha256$pf=${b64('<{PASSWORD}|{SALT}')}$${b64(salt)}$${b64(digest)}`;
  assert.equal(await verifyHash('pässword', templated), true);
  assert.equal(await verifyHash('password', templated), false);
  for (const algorithm of ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']) {
    const mac = createHmac(algorithm, 'a key').update('s3cret').digest('hex');
    const hashed = `$hmac-${algorithm}$${b64(mac)}$${b64('a key')}`;
    assert.equal(await verifyHash('s3cret', hashed), true, algorithm);
    assert.equal(await verifyHash('s3creT', hashed), false, algorithm);
  }
  // hmac-md4 (no MD4 in Node's OpenSSL 3): RFC 1320 test vector through the HMAC of RFC 2104.
  const { md4 } = await import('../../src/hash/md4.ts');
  assert.equal(
    md4(Buffer.from('message digest')).toString('hex'),
    'd9130a8164549fe818874806e1c7014b',
  );
  const block = Buffer.alloc(64);
  Buffer.from('a key').copy(block);
  const pad = (byte: number) => Buffer.from(block.map((v) => v ^ byte));
  const mac = md4(
    Buffer.concat([pad(0x5c), md4(Buffer.concat([pad(0x36), Buffer.from('s3cret')]))]),
  );
  const md4Hashed = `$hmac-md4$${b64(mac.toString('hex'))}$${b64('a key')}`;
  assert.equal(await verifyHash('s3cret', md4Hashed), true);
  assert.equal(await verifyHash('s3creT', md4Hashed), false);
});

test('crypt(3) imports under Kratos prefixes: md5-crypt (Kratos vectors), sha256/sha512-crypt (glibc vectors)', async () => {
  const vectors: Array<[string, string]> = [
    ['test', '$md5-crypt$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/'],
    ['test', '$md5-crypt$$whuMjZj.HMFoaTaZRRtkO0'],
    ['ory', '$md5-crypt$xWMlm2eL$GGTOpgZu4p2k6ORprAu3b.'],
    ['Hello world!', '$sha256-crypt$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
    [
      'Hello world!',
      '$sha256-crypt$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA',
    ],
    [
      'Hello world!',
      '$sha512-crypt$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
    ],
  ];
  for (const [password, hashed] of vectors) {
    assert.equal(checkImportedHash(hashed), undefined, hashed);
    assert.equal(await verifyHash(password, hashed), true, hashed);
    assert.equal(await verifyHash(`${password}!`, hashed), false, hashed);
    assert.equal(needsRehash(fastBcrypt, hashed), true);
  }
  for (const bad of [
    '$md5-crypt$whuMjZj.HMFoaTaZRRtkO0', // crypt(5): the salt section must be present
    '$sha256-crypt$$',
    '$sha256-crypt$rounds=999999999$salt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5',
    '$sha512-crypt$salt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5', // sha256-length digest
  ]) {
    assert.ok(checkImportedHash(bad), bad);
    assert.equal(await verifyHash('test', bad), false, bad);
  }
});

test('crypt(3) imports hash the UTF-8 bytes of the password, as glibc does (vectors from glibc crypt)', async () => {
  const vectors: Array<[string, string]> = [
    ['pässwörd', '$md5-crypt$saltsalt$VReRfkQ8Hs1aayf/oxMkG/'],
    ['pässwörd', '$sha256-crypt$saltsalt$JUyX9J5pA1EE4ZvGcIA.vpwPCUQ8GlJbo51r7M84au8'],
  ];
  for (const [password, hashed] of vectors) {
    assert.equal(await verifyHash(password, hashed), true, hashed);
    assert.equal(await verifyHash('passwort', hashed), false, hashed);
  }
});

test('a SHA-crypt import with many rounds is compared off the main thread (other work goes on)', async () => {
  const hashed =
    '$sha512-crypt$rounds=200000$importedsalt$BJe5XKXZph4cbCVKe8NTL6GkqL6Le/S64wOwgaie3wxNkvDLXX1DmMEwFwL/dVRRTKCvdQ6BtVs/8DavqWRuz/';
  let turns = 0;
  const ticker = setInterval(() => turns++, 1);
  const verdict = await verifyHash('correct horse', hashed);
  clearInterval(ticker);
  assert.equal(verdict, true);
  // A synchronous comparison would hold the event loop until it returned: no timer could fire.
  assert.ok(turns > 0, 'the event loop stood still while comparing');
});

test('imports with absurd parameters or unknown formats are refused before any work', () => {
  assert.match(checkImportedHash('plaintext')!, /unsupported/);
  assert.match(checkImportedHash('$1$TVEiiKNb$SN6/pUaRQS/E8Jh46As2C/')!, /unsupported/);
  for (const malformed of [
    '{SSHA}tooshort',
    '$md5$$',
    '$md5$pf=$$',
    '$sha1$pf=$c2FsdA==$aGFzaA==',
  ]) {
    assert.match(checkImportedHash(malformed)!, /malformed/, malformed);
  }
  // Kratos's bounds (hash_limits.go): N ≤ 2^17, r ≤ 8, p ≤ 10; argon2 ≤ 1 GiB, t ≤ 10; bcrypt ≤ 15.
  for (const extreme of [
    '$firescrypt$ln=18,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaA==$Bw==$a2V5a2V5',
    '$firescrypt$ln=14,r=1024,p=1$c2FsdHNhbHRzYWx0$aGFzaA==$Bw==$a2V5a2V5',
    '$firescrypt$ln=14,r=8,p=1024$c2FsdHNhbHRzYWx0$aGFzaA==$Bw==$a2V5a2V5',
    '$scrypt$ln=262144,r=8,p=1$c2FsdA==$aGFzaA==',
    '$scrypt$ln=16384,r=1024,p=1$c2FsdA==$aGFzaA==',
    '$argon2id$v=19$m=65536,t=1000,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw',
    `$2a$20$${'a'.repeat(53)}`,
  ]) {
    assert.ok(checkImportedHash(extreme), extreme);
  }
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
          .constantFrom(
            '$2a$',
            '$argon2id$',
            '$pbkdf2-sha256$',
            '$scrypt$',
            '{SSHA}',
            '$sha1$pf=',
            '$md5$',
            '$hmac-sha1$',
            '$firescrypt$ln=1,r=1,p=1$',
            '$md5-crypt$',
            '$sha256-crypt$rounds=1000$',
          )
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
