// Link and reset-mail poisoning through client-sent host hints: X-Forwarded-Host/-Proto followed the
// client's Host, and CDN client-address and proxy host/scheme/prefix headers (True-Client-IP,
// X-Original-Host, X-Forwarded-Prefix, …) reached the upstream. Fixed in af09198.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RULES,
  rawGatewayRequest,
  sendSpoofedHeaders,
  startGatewayStack,
  type Stack,
} from '../support/gateway-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startGatewayStack({ rules: RULES, publicURL: 'http://edge.example' });
});
after(() => stack.close());

const sendNoneReachUpstream = (lines: string[]) => sendSpoofedHeaders(stack, lines);

test('CDN client-address and proxy host/scheme/prefix headers never reach the upstream', async () => {
  const names = [
    'True-Client-IP',
    'CF-Connecting-IP',
    'Fastly-Client-IP',
    'X-Originating-IP',
    'X-Forwarded-Prefix',
    'X-Forwarded-Scheme',
    'X-Forwarded-Ssl',
    'X-Forwarded-Server',
    'X-Forwarded-Uri',
    'X-Original-Host',
    'X-Original-URI',
    'X-Host',
    'X-Scheme',
    'Front-End-Https',
  ];
  // Also in the spellings CGI-style stacks fold to the same name.
  const lines = names.flatMap((name) => [`${name}: SPOOF`, `${name.replace(/-/g, '_')}: SPOOF`]);
  await sendNoneReachUpstream(lines);
});

test("with publicURL set, X-Forwarded-Host and -Proto are the edge's own, never the client's Host", async () => {
  const before = stack.upstream.seen.length;
  const response = await rawGatewayRequest(stack, '/static/x', [
    'X-Forwarded-Host: evil.example',
    'X-Forwarded-Proto: https',
  ]);
  assert.match(response, /^HTTP\/1\.1 200/);
  const seen = stack.upstream.seen[before]!;
  assert.equal(seen.headers['x-forwarded-host'], 'edge.example');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.ok(!seen.rawHeaders.some((v) => v.includes('evil.example')));
});
