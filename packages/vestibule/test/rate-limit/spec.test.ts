// Rate specs as written in vestibule.yml, and which address an anonymous caller is counted under.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressBucket, countedAddress, parseRateSpec } from '../../src/rate-limit/index.ts';
import { loadConfigObject } from '../../src/config/index.ts';
import { compileRules } from '../../src/access/rules.ts';

test('parseRateSpec reads requests/window and refuses the rest', () => {
  assert.deepEqual(parseRateSpec('600/1m'), { points: 600, windowSeconds: 60 });
  assert.deepEqual(parseRateSpec('60/m'), { points: 60, windowSeconds: 60 });
  assert.deepEqual(parseRateSpec(' 5 / 10s '), { points: 5, windowSeconds: 10 });
  assert.deepEqual(parseRateSpec('1000/1d'), { points: 1000, windowSeconds: 86_400 });
  for (const bad of [
    '',
    '600',
    '/1m',
    '0/1m',
    '10/0s',
    '10/1w',
    '-1/1m',
    '1.5/1m',
    '10/1m extra',
  ]) {
    assert.equal(parseRateSpec(bad), undefined, bad);
  }
});

test('IPv6 callers are counted per /64; IPv4 and IPv4-mapped addresses as they are', () => {
  assert.equal(addressBucket('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressBucket('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(addressBucket('2001:0db8:0001:0002::9'), '2001:db8:1:2::/64');
  assert.equal(addressBucket('::1'), '0:0:0:0::/64');
  assert.equal(addressBucket('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressBucket('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(addressBucket('192.0.2.7'), '192.0.2.7');
  assert.notEqual(addressBucket('2001:db8:1:2::1'), addressBucket('2001:db8:1:3::1'));
});

test('behind a trusted proxy the right-most X-Forwarded-For entry counts; otherwise the socket', () => {
  // The client wrote the left entries; our load balancer appended the right-most one.
  assert.equal(countedAddress('10.0.0.1', '1.1.1.1, 203.0.113.9', true), '203.0.113.9');
  assert.equal(countedAddress('10.0.0.1', '1.1.1.1, 203.0.113.9', false), '10.0.0.1');
  assert.equal(countedAddress('10.0.0.1', undefined, true), '10.0.0.1');
  assert.equal(countedAddress(undefined, undefined, false), 'unknown');
});

test('rate_limit in vestibule.yml: a bad spec names the key; compiled onto the rule', () => {
  assert.throws(
    () =>
      loadConfigObject(
        {
          gateway: {
            rules: [{ path: '/x', mode: 'public', rate_limit: { per_identity: 'lots' } }],
          },
        },
        { env: {} },
      ),
    /rate_limit\.per_identity.*requests\/window/s,
  );
  const [rule] = compileRules([
    {
      path: '/x',
      mode: 'optional',
      rate_limit: { per_identity: '600/1m', per_anonymous_address: '60/1m' },
    },
  ]).rules;
  assert.deepEqual(rule!.rateLimit, {
    perIdentity: { points: 600, windowSeconds: 60 },
    perAnonymousAddress: { points: 60, windowSeconds: 60 },
  });
  assert.throws(
    () => compileRules([{ path: '/x', mode: 'public', rate_limit: {} }]),
    /per_identity/,
  );
});

test('one address bucket for rate limits and login protection: junk is "unknown", forwarded junk falls back to the socket', () => {
  assert.equal(addressBucket('not-an-address'), 'unknown');
  assert.equal(addressBucket('[2001:db8:1:2::1]'), '2001:db8:1:2::/64');
  assert.equal(countedAddress('10.0.0.1', '1.1.1.1, junk', true), '10.0.0.1');
  assert.equal(countedAddress('::ffff:10.0.0.1', undefined, false), '10.0.0.1');
});
