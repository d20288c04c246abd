// Request ids: a client/proxy id is kept only when short and boring; the id the edge just minted
// is read back as is (its fast path), and nothing the pattern refuses ever gets through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRequestId, saneRequestId } from '../../src/lib/request-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a boring id is kept; anything else is replaced by a fresh UUID', () => {
  assert.equal(saneRequestId('lb-id-12345'), 'lb-id-12345');
  for (const given of [
    null,
    undefined,
    '',
    'short',
    'x'.repeat(129),
    'a b c d e f',
    'id\r\nx: y',
  ]) {
    const id = saneRequestId(given);
    assert.notEqual(id, given);
    assert.match(id, UUID);
  }
});

test('the id just minted comes back unchanged; the next refused one is still refused', () => {
  const minted = newRequestId();
  assert.match(minted, UUID);
  assert.equal(saneRequestId(minted), minted);
  // A refused id mints a new one, which becomes the last minted: the refused value stays refused.
  const bad = 'bad id with spaces';
  assert.notEqual(saneRequestId(bad), bad);
  assert.notEqual(saneRequestId(bad), bad);
  assert.notEqual(saneRequestId(''), '');
});
