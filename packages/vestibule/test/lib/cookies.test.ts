// The one Cookie-header reader: the rules every caller (session credential, pages cookies, login-loop
// counter) relies on, including the option that lets a caller keep quotes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readCookie } from '../../src/lib/cookies.ts';

test('first occurrence wins (RFC 6265 §5.4: most specific path first), even when empty', () => {
  assert.equal(readCookie('s=first; s=second', 's'), 'first');
  assert.equal(readCookie('s=; s=second', 's'), '');
  assert.equal(readCookie('s=""; s=second', 's'), '');
});

test('one pair of surrounding double quotes is removed unless unquote is false', () => {
  assert.equal(readCookie('s="abc"', 's'), 'abc');
  assert.equal(readCookie('s=""abc""', 's'), '"abc"', 'only one pair');
  assert.equal(readCookie('s="abc', 's'), '"abc', 'an unbalanced quote stays');
  assert.equal(readCookie('s="', 's'), '"', 'a lone quote is not a pair');
  assert.equal(readCookie('s=a"b"', 's'), 'a"b"');
  assert.equal(readCookie('s="abc"', 's', { unquote: false }), '"abc"');
});

test('absent, empty or null headers give null; an empty value is not absence', () => {
  assert.equal(readCookie(null, 's'), null);
  assert.equal(readCookie(undefined, 's'), null);
  assert.equal(readCookie('', 's'), null);
  assert.equal(readCookie('t=1', 's'), null);
  assert.equal(readCookie('s=', 's'), '');
});

test('malformed pieces are skipped: no "=", empty pieces, empty names', () => {
  assert.equal(readCookie('s; s=v', 's'), 'v', 'a bare name is not a pair');
  assert.equal(readCookie(';;s=v;;', 's'), 'v');
  assert.equal(readCookie('=x; s=v', 's'), 'v');
  assert.equal(readCookie('=x', 's'), null);
  assert.equal(readCookie('a', 'a'), null);
  assert.equal(readCookie(';;', 's'), null);
  assert.equal(readCookie('=', 's'), null);
});

test('names match exactly; the value is everything after the first "="', () => {
  assert.equal(readCookie('S=upper; s=lower', 's'), 'lower', 'case-sensitive');
  assert.equal(readCookie('s_x=1; xs=2', 's'), null, 'no prefix or suffix match');
  assert.equal(readCookie('s=a=b==', 's'), 'a=b==');
  assert.equal(readCookie('s=a%20b', 's'), 'a%20b', 'never percent-decoded');
});

test('spaces and tabs around names and values are ignored; other whitespace is kept', () => {
  assert.equal(readCookie('  s  =  v  ;t=1', 's'), 'v');
  assert.equal(readCookie('\ts\t=\tv\t', 's'), 'v');
  assert.equal(readCookie('s=a b', 's'), 'a b', 'inner spaces stay');
  assert.equal(readCookie('s= " v " ', 's'), ' v ', 'quotes come off after trimming');
  assert.equal(readCookie('\u00a0s=v', 's'), null, 'a no-break space makes another name');
  assert.equal(readCookie('\u00a0s=v', '\u00a0s'), 'v');
});

test('an empty name is a caller bug (TypeError), not a match for "=x"', () => {
  assert.throws(() => readCookie('=x', ''), TypeError);
});

test('never throws and never invents a value, whatever the header (property)', () => {
  const piece = fc.constantFrom('s', 't', '=', ';', ' ', '\t', '"', 'v', '');
  const header = fc.oneof(
    fc.string(),
    fc.array(piece, { maxLength: 24 }).map((p) => p.join('')),
  );
  fc.assert(
    fc.property(header, fc.boolean(), (text, unquote) => {
      const value = readCookie(text, 's', { unquote });
      if (value === null) return;
      assert.ok(text.includes(value), 'the value is a piece of the header');
      assert.ok(!value.includes(';'), 'a value never spans pairs');
    }),
  );
});
