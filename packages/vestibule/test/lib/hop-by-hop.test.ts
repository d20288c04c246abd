// Both proxies strip the one hop-by-hop table (lib/hop-by-hop.ts), in both directions: the Kratos
// proxy's and the gateway's copies had drifted apart (only one knew `trailers`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOP_BY_HOP } from '../../src/lib/hop-by-hop.ts';
import { copyResponseHeaders, upstreamHeaderRecord } from '../../src/proxy/headers.ts';
import { filterRequestHeaders, filterResponseHeaders } from '../../src/upstream/headers.ts';

const view = { publicOrigin: new URL('https://app.example.com'), requestId: 'req-12345678' };

test('the table holds the RFC 9110 §7.6.1 fields and the legacy ones both proxies knew', () => {
  for (const name of ['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding']) {
    assert.ok(HOP_BY_HOP.has(name), name);
  }
  for (const name of ['upgrade', 'trailer', 'trailers', 'proxy-authorization', 'http2-settings']) {
    assert.ok(HOP_BY_HOP.has(name), name);
  }
});

for (const name of HOP_BY_HOP) {
  test(`${name}: stripped by the gateway and the Kratos proxy, both ways`, () => {
    assert.deepEqual(filterRequestHeaders([name, 'x', 'accept', '*/*']), ['accept', '*/*']);
    assert.deepEqual(filterResponseHeaders({ [name]: 'x', etag: '"1"' }), { etag: '"1"' });
    const request = upstreamHeaderRecord(new Headers({ [name]: 'x' }), view);
    assert.equal(request[name], undefined);
    const response = copyResponseHeaders(new Headers({ [name]: 'x', etag: '"1"' }));
    assert.deepEqual([...response.keys()], ['etag']);
  });
}

test('a name listed in Connection is hop-by-hop for that message, on both paths', () => {
  const raw = ['Connection', 'close, X-Drop', 'x-drop', '1', 'accept', '*/*'];
  assert.deepEqual(filterRequestHeaders(raw), ['accept', '*/*']);
  assert.deepEqual(filterResponseHeaders({ connection: 'x-drop', 'x-drop': '1' }), {});
  const response = copyResponseHeaders(new Headers({ connection: 'x-drop', 'x-drop': '1' }));
  assert.deepEqual([...response.keys()], []);
});
