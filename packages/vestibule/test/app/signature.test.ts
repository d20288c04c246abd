import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  appendSignedIdentityHeaders,
  canonicalString,
  encodeIdentity,
  decodeHeaderValue,
  encodeHeaderValue,
} from '../../src/identity-headers/sign.ts';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';
import { OTHER, SECRET, T0, alice, signed, target, verifier } from '../support/signed-headers.ts';

test('a fresh signature from the edge verifies and yields the identity', () => {
  const { verify } = verifier();
  assert.deepEqual(verify(signed(), target), {
    state: 'user',
    identity: alice,
    headers: new Map(),
  });
});

test('a signed anonymous assertion is "anonymous"; no headers at all is "absent"', () => {
  const { verify } = verifier();
  assert.deepEqual(verify(signed({ values: null }), target), { state: 'anonymous' });
  assert.deepEqual(verify(new Headers(), target), { state: 'absent' });
});

test('unsigned identity headers are rejected, never trusted', () => {
  const { verify } = verifier();
  const headers = new Headers({ 'x-user-id': alice.id, 'x-user-role': 'admin' });
  assert.deepEqual(verify(headers, target), { state: 'invalid', reason: 'unsigned' });
});

test('forged: a changed value, the wrong secret or a garbage signature are rejected', () => {
  const { verify } = verifier();
  const tampered = signed();
  tampered.set('x-user-role', 'superadmin');
  assert.equal(verify(tampered, target).state, 'invalid');
  assert.deepEqual(verify(signed({ secret: OTHER }), target), {
    state: 'invalid',
    reason: 'bad-signature',
  });
  const garbage = signed();
  garbage.set('x-vestibule-signature', 'v1;t=1;n=abcdefgh;s=xyz');
  assert.deepEqual(verify(garbage, target), { state: 'invalid', reason: 'malformed' });
  const anonymousPlusId = signed({ values: null });
  anonymousPlusId.set('x-user-id', alice.id);
  assert.equal(verify(anonymousPlusId, target).state, 'invalid');
  const duplicated = signed();
  duplicated.append('x-user-id', 'someone-else');
  assert.equal(verify(duplicated, target).state, 'invalid');
});

test('a signature is bound to the method and the path+query it was made for', () => {
  const { verify } = verifier({ replayProtection: false });
  const headers = signed();
  assert.equal(verify(headers, { method: 'POST', path: target.path }).state, 'invalid');
  assert.equal(verify(headers, { method: 'GET', path: '/admin' }).state, 'invalid');
  assert.equal(verify(headers, { method: 'GET', path: '/account?tab=2' }).state, 'invalid');
  assert.equal(verify(headers, target).state, 'user');
});

test('expired (older than maxAge) and from-the-future signatures are rejected (fake clock)', () => {
  const { verify, clock } = verifier({ replayProtection: false });
  const headers = signed();
  clock.now = T0 + 30_999;
  assert.equal(verify(headers, target).state, 'user');
  clock.now = T0 + 31_000;
  assert.deepEqual(verify(headers, target), { state: 'invalid', reason: 'expired' });
  clock.now = T0 - 6_000;
  assert.deepEqual(verify(headers, target), { state: 'invalid', reason: 'from-the-future' });
});

test('replayed: the same signed headers a second time are rejected', () => {
  const { verify } = verifier();
  const headers = signed();
  assert.equal(verify(headers, target).state, 'user');
  assert.deepEqual(verify(headers, target), { state: 'invalid', reason: 'replayed' });
});

test('a forged signature does not burn the nonce of a real one', () => {
  const { verify } = verifier();
  const real = signed();
  const forged = new Headers(real);
  forged.set('x-user-role', 'root');
  assert.equal(verify(forged, target).state, 'invalid');
  assert.equal(verify(real, target).state, 'user');
});

test('secret rotation: any listed secret verifies', () => {
  const { verify } = verifier({ secret: [OTHER, SECRET] });
  assert.equal(verify(signed(), target).state, 'user');
});

test('short secrets are refused when the verifier is built', () => {
  assert.throws(() => createHeaderVerifier({ secret: 'short' }), /at least 32/);
});

test('header values round-trip any Unicode and are always legal header values (property)', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()),
      (value) => {
        const encoded = encodeHeaderValue(value);
        assert.match(encoded, /^[\x21-\x7e]*$/);
        if (!/[\ud800-\udfff]/.test(value)) assert.equal(decodeHeaderValue(encoded), value);
      },
    ),
  );
});

test('unicode emails survive signing and verification', () => {
  const { verify } = verifier();
  const values = { ...alice, email: 'zoë+tag@exämple.com' };
  assert.deepEqual(verify(signed({ values }), target), {
    state: 'user',
    identity: values,
    headers: new Map(),
  });
});

test('the canonical string is exactly JSON.stringify of the signed fields, whatever they contain (property)', () => {
  const char = fc.constantFrom(
    'a',
    'Z',
    '0',
    '/',
    '?',
    '=',
    '%',
    ' ',
    '"',
    '\\',
    '\n',
    '\u0000',
    '\u007f',
    'é',
    '\ud800',
    '\udc00',
    '😀',
    '~',
    '[',
    ']',
  );
  const text = fc.array(char, { maxLength: 12 }).map((chars) => chars.join(''));
  fc.assert(
    fc.property(text, text, text, text, text, text, (t, nonce, path, id, email, role) => {
      const values = { id, email, role };
      assert.equal(
        canonicalString(t, nonce, { method: 'post', path }, values),
        JSON.stringify(['v1', t, nonce, 'POST', path, id, email, role]),
      );
    }),
    { numRuns: 5_000 },
  );
  // With signed extra headers (an access token's x-user-scopes, rule templates) too.
  fc.assert(
    fc.property(
      text,
      text,
      text,
      text,
      fc.array(text, { minLength: 1, maxLength: 6 }),
      (nonce, path, id, role, extra) => {
        const values = { id, email: '', role };
        assert.equal(
          canonicalString('1700000000', nonce, { method: 'get', path }, values, extra),
          JSON.stringify(['v1', '1700000000', nonce, 'GET', path, id, '', role, extra]),
        );
      },
    ),
    { numRuns: 5_000 },
  );
});

test('rule-template headers are signed: listed in h=, verified, returned decoded; tampering is caught', () => {
  const extra = ['x-user-name', encodeHeaderValue('Zoë Ng'), 'x-org', 'acme'];
  const flat = appendSignedIdentityHeaders([], SECRET, target, encodeIdentity(alice), T0, extra);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  const good = () => new Headers(pairs);
  assert.match(good().get('x-vestibule-signature')!, /^v1;t=\d+;n=[^;]+;h=x-user-name,x-org;s=/);

  const verdict = verifier().verify(good(), target);
  assert.equal(verdict.state, 'user');
  assert.deepEqual(verdict.state === 'user' && [...verdict.headers], [
    ['x-user-name', 'Zoë Ng'],
    ['x-org', 'acme'],
  ]);

  const tampered = good();
  tampered.set('x-org', 'evil-corp');
  assert.deepEqual(verifier().verify(tampered, target), {
    state: 'invalid',
    reason: 'bad-signature',
  });
  const dropped = good();
  dropped.delete('x-org');
  assert.equal(verifier().verify(dropped, target).state, 'invalid');
  // Removing the list from the signature header changes what was signed.
  const unlisted = good();
  unlisted.set(
    'x-vestibule-signature',
    unlisted.get('x-vestibule-signature')!.replace(/;h=[^;]+/, ''),
  );
  assert.deepEqual(verifier().verify(unlisted, target), {
    state: 'invalid',
    reason: 'bad-signature',
  });
  // A header the signature does not list is never reported as verified.
  const added = good();
  added.set('x-team', 'admins');
  const withAdded = verifier().verify(added, target);
  assert.ok(withAdded.state === 'user' && !withAdded.headers.has('x-team'));
});

test('an h= list naming identity headers, duplicates or odd names is malformed', () => {
  const base = signed().get('x-vestibule-signature')!;
  for (const list of ['x-user-id', 'x-org,x-org', 'X-Org', 'x org', 'a'.repeat(65)]) {
    const headers = signed();
    headers.set('x-vestibule-signature', base.replace(';s=', `;h=${list};s=`));
    const verdict = verifier().verify(headers, target);
    assert.equal(verdict.state, 'invalid', list);
  }
});
