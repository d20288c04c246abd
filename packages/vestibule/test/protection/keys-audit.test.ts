import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuditLog } from '../../src/protection/audit.ts';
import { addressKey, clientAddressOf, normaliseIdentifier } from '../../src/protection/keys.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { openEdgeStore, type EdgeStore } from '../../src/store/index.ts';

describe('counter keys', () => {
  it('normalises identifiers as Kratos compares them (and NFKC)', () => {
    assert.equal(normaliseIdentifier('  Alice@Example.COM\t'), 'alice@example.com');
    assert.equal(normaliseIdentifier('ａｌｉｃｅ@example.com'), 'alice@example.com');
  });

  it('keys IPv6 by /64 and unwraps IPv4-mapped addresses', () => {
    assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
    assert.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('192.0.2.7'), '192.0.2.7');
    assert.equal(addressKey('[fe80::1%eth0]'), 'fe80:0:0:0::/64');
    assert.equal(addressKey(undefined), 'unknown');
    assert.equal(addressKey('not-an-address'), 'unknown');
  });

  it('takes the rightmost X-Forwarded-For entry only behind a trusted proxy', () => {
    const headers = new Headers({ 'x-forwarded-for': '6.6.6.6, 198.51.100.9' });
    assert.equal(clientAddressOf(headers, '10.0.0.1', false), '10.0.0.1');
    assert.equal(clientAddressOf(headers, '10.0.0.1', true), '198.51.100.9');
    assert.equal(
      clientAddressOf(new Headers({ 'x-forwarded-for': 'junk' }), '10.0.0.1', true),
      '10.0.0.1',
    );
  });
});

describe('audit log', () => {
  let store: EdgeStore;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const logger = createMemoryLogger();
  let audit: AuditLog;
  before(async () => {
    store = await openEdgeStore('memory');
    audit = new AuditLog(store.db, logger, 'k'.repeat(32), () => clock);
  });
  after(() => store.close());

  it('hashes the identifier with the key, never stores it plain', async () => {
    await audit.record({
      event: 'login_failed',
      identifier: 'Alice@example.com',
      clientAddress: '192.0.2.1',
      userAgent: 'x'.repeat(1000),
      requestId: 'r1',
    });
    const [row] = await audit.query({ identifier: 'alice@example.com' });
    assert.equal(row?.event, 'login_failed');
    assert.equal(row?.identifierHash, audit.hashIdentifier('ALICE@example.com'));
    assert.equal(row?.userAgent?.length, 256);
    assert.ok(!JSON.stringify(logger.lines).includes('lice@example'));
    const other = new AuditLog(store.db, logger, 'o'.repeat(32), () => clock);
    assert.notEqual(other.hashIdentifier('alice@example.com'), row?.identifierHash);
  });

  it('prunes events past the retention', async () => {
    clock += 91 * 24 * 3600_000;
    await audit.record({ event: 'login_succeeded', identityId: 'id-1' });
    assert.equal(await audit.prune(90 * 24 * 3600_000), 1);
    const left = await audit.query({});
    assert.deepEqual(
      left.map((e) => e.event),
      ['login_succeeded'],
    );
    assert.equal(
      (await audit.query({ identityId: 'id-1', since: new Date(clock - 1000) })).length,
      1,
    );
    assert.equal((await audit.query({ afterId: left[0]!.id })).length, 0);
  });
});
