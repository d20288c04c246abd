import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderEmail, renderHTML, smtpOptionsFromURI } from '../../src/courier/index.ts';
import {
  codeMatches,
  codeSecret,
  generateCode,
  hashCode,
} from '../../src/selfservice/strategy/code/code.ts';

test('recovery code email carries the code in subject, text and HTML, worded like Kratos', () => {
  const mail = renderEmail('recovery_code_valid', {
    to: 'a@example.org',
    code: '042917',
    expiresInMinutes: 15,
  });
  assert.equal(mail.subject, 'Use code 042917 to recover access to your account');
  assert.match(
    mail.text,
    /^Recover access to your account by entering the following code:\n\n042917\n\n/,
  );
  assert.match(mail.text, /expires in 15 minutes/);
  assert.match(mail.html, /<p style="[^"]+">042917<\/p>/);
});

test('verification code email includes the link when given, and the unknown-address variants say so', () => {
  const mail = renderEmail('verification_code_valid', {
    to: 'a@example.org',
    code: '123456',
    url: 'https://app.example.org/verification?flow=f&code=123456',
  });
  assert.equal(mail.subject, 'Use code 123456 to verify your account');
  assert.match(
    mail.text,
    /or clicking the following link:\n\nhttps:\/\/app\.example\.org\/verification\?flow=f&code=123456/,
  );
  assert.match(
    mail.html,
    /<a href="https:\/\/app\.example\.org\/verification\?flow=f&amp;code=123456">/,
  );
  const unknown = renderEmail('recovery_code_invalid', { to: 'x@example.org' });
  assert.equal(unknown.subject, 'Account access attempted');
  assert.match(unknown.text, /not on our database of registered users/);
  assert.doesNotMatch(unknown.text, /\d{6}/);
});

test('HTML part escapes every value, and a subject can never inject a header', () => {
  const html = renderHTML('Hello <script>alert(1)</script>\n\n"quoted" & \'single\'');
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /&quot;quoted&quot; &amp; &#39;single&#39;/);
  const mail = renderEmail('recovery_code_valid', { to: 'a', code: '1\r\nBcc: evil@x' });
  assert.doesNotMatch(mail.subject, /[\r\n]/);
  const link = renderHTML('https://x.example/"><img src=x onerror=alert(1)>');
  assert.doesNotMatch(link, /<img/);
});

test('codes are 6 digits, uniformly drawn (every digit appears in every position)', () => {
  const seen = Array.from({ length: 6 }, () => new Set<string>());
  for (let i = 0; i < 2000; i++) {
    const code = generateCode();
    assert.match(code, /^\d{6}$/);
    [...code].forEach((digit, pos) => seen[pos]!.add(digit));
  }
  for (const digits of seen) assert.equal(digits.size, 10);
});

test('codes are stored as a keyed hash and compared exactly', () => {
  const secret = 'secret-one-that-is-long-enough!!';
  const hash = hashCode('123456', secret);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.notEqual(hash, hashCode('123456', 'another-secret-of-enough-length'));
  assert.equal(codeMatches('123456', hash, secret), true);
  assert.equal(codeMatches(' 123456 ', hash, secret), true);
  assert.equal(codeMatches('123457', hash, secret), false);
  assert.equal(codeMatches('12345', hash, secret), false);
  assert.equal(codeMatches(123456, hash, secret), false);
  assert.equal(codeMatches(undefined, hash, secret), false);
  assert.equal(codeMatches('123456', 'not-hex', secret), false);
  assert.throws(() => hashCode('123456', ''), TypeError);
  assert.equal(codeSecret({ default: [], cookie: ['c'] }), 'c');
  assert.throws(() => codeSecret({ default: [], cookie: [] }), /secrets\.default/);
});

test('connection_uri follows Kratos: smtp:// enforces STARTTLS, smtps:// is implicit TLS', () => {
  const plain = smtpOptionsFromURI('smtp://user%40x:p%2Fss@mail.example:2525/');
  assert.equal(plain.host, 'mail.example');
  assert.equal(plain.port, 2525);
  assert.equal(plain.secure, false);
  assert.equal(plain.requireTLS, true);
  assert.deepEqual(plain.auth, { user: 'user@x', pass: 'p/ss' });
  assert.equal(plain.tls?.rejectUnauthorized, true);

  const clear = smtpOptionsFromURI('smtp://mail.example/?disable_starttls=true');
  assert.equal(clear.requireTLS, false);
  assert.equal(clear.ignoreTLS, true);
  assert.equal(clear.port, 587);
  assert.equal(clear.auth, undefined);

  const tls = smtpOptionsFromURI(
    'smtps://mail.example/?skip_ssl_verify=true&server_name=smtp.internal',
  );
  assert.equal(tls.secure, true);
  assert.equal(tls.port, 465);
  assert.equal(tls.tls?.rejectUnauthorized, false);
  assert.equal(tls.tls?.servername, 'smtp.internal');

  assert.throws(() => smtpOptionsFromURI('http://mail.example'), /courier\.smtp\.connection_uri/);
  assert.throws(() => smtpOptionsFromURI('not a uri'), /courier\.smtp\.connection_uri/);
});
