// `/metrics` after known traffic through the assembled edge: requests by route, rule, decision and
// status; upstream and Kratos latency histograms; session cache hits, misses and evictions;
// revocation events. Then who may read it: the bearer token on the edge's port, a listener of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigObject } from '../../src/config/index.ts';
import { launchEdge, type RunningEdge } from '../../src/edge/start-edge.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { startFakeKratos } from '../support/fake-kratos.ts';
import { startStub } from '../support/http-stubs.ts';
import { parsePrometheus, sampleValue } from '../support/prometheus-text.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const REVOCATION_SECRET = 'a-revocation-secret-of-at-least-32-chars';

async function startEdge(metrics: Record<string, unknown>) {
  const kratos = await startFakeKratos();
  const upstream = await startStub((_req, res) => void res.writeHead(200).end('ok'));
  const { config } = loadConfigObject(
    {
      kratos: { public_url: kratos.url },
      gateway: {
        upstream_url: upstream.url,
        header_secret: 'a-header-secret-of-at-least-32-characters',
        revocation: { secret: REVOCATION_SECRET },
        rules: [
          { id: 'home', path: '/', mode: 'public' },
          { id: 'notes', path: '/notes/**', mode: 'required' },
        ],
      },
      metrics,
    },
    { env: {} },
  );
  const edge = await launchEdge(config, {
    host: '127.0.0.1',
    port: 0,
    logger: createMemoryLogger(),
  });
  return {
    kratos,
    edge,
    close: async () => {
      await edge.close();
      await upstream.close();
      await kratos.stop();
    },
  };
}

const scrape = (edge: RunningEdge, headers: Record<string, string> = {}) =>
  fetch(edge.metricsURL ?? `${edge.url}/metrics`, { headers });

test('/metrics after known traffic counts requests, latencies, cache and revocations', async () => {
  const { kratos, edge, close } = await startEdge({ bearer_token: TOKEN });
  try {
    const { token, session } = kratos.addSession({ email: 'a@example.com' });
    const auth = { 'x-session-token': token };
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${edge.url}/`)).status, 200);
    // One whoami (miss), then two cache hits.
    for (let i = 0; i < 3; i++) {
      assert.equal((await fetch(`${edge.url}/notes/1`, { headers: auth })).status, 200);
    }
    // Anonymous on a required rule: refused by the edge.
    assert.equal(
      (await fetch(`${edge.url}/notes/1`, { headers: { accept: 'application/json' } })).status,
      401,
    );
    assert.equal((await fetch(`${edge.url}/nowhere/x`)).status, 404);
    assert.equal((await fetch(`${edge.url}/health`)).status, 200);
    const revoked = await fetch(`${edge.url}/.vestibule/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${REVOCATION_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ identity_id: session.identity.id }),
    });
    assert.equal(revoked.status, 200);

    const res = await scrape(edge, { authorization: `Bearer ${TOKEN}` });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const families = parsePrometheus(text);
    const requests = families.get('vestibule_requests_total');
    assert.equal(requests?.type, 'COUNTER');
    const count = (labels: Record<string, string>) => sampleValue(requests, labels);
    assert.equal(count({ route: 'gateway', rule: 'home', decision: 'allow', status: '200' }), 3);
    assert.equal(count({ route: 'gateway', rule: 'notes', decision: 'allow', status: '200' }), 3);
    assert.equal(count({ route: 'gateway', rule: 'notes', decision: 'deny', status: '401' }), 1);
    assert.equal(count({ route: 'gateway', rule: 'none', decision: 'deny', status: '404' }), 1);
    assert.equal(count({ route: 'gateway', rule: 'revocation', status: '200' }), 1);
    assert.equal(count({ route: 'health', status: '200' }), 1);

    const upstream = families.get('vestibule_upstream_response_seconds');
    assert.equal(upstream?.type, 'HISTOGRAM');
    assert.equal(Number(upstream.metrics[0]!.count), 6);
    assert.ok(Number(upstream.metrics[0]!.sum) > 0);
    const whoami = families.get('vestibule_kratos_whoami_seconds');
    assert.equal(whoami?.type, 'HISTOGRAM');
    assert.equal(whoami.metrics[0]!.buckets?.['+Inf'], '1');
    // The parser drops a labelled histogram's labels: the outcome is read from the text itself.
    assert.match(text, /^vestibule_kratos_whoami_seconds_count\{outcome="session"\} 1$/m);

    assert.equal(sampleValue(families.get('vestibule_session_cache_hits_total')), 2);
    assert.equal(sampleValue(families.get('vestibule_session_cache_misses_total')), 1);
    const evictions = families.get('vestibule_session_cache_evictions_total');
    assert.equal(sampleValue(evictions, { reason: 'revoked' }), 1);
    assert.equal(sampleValue(evictions, { reason: 'capacity' }), 0);
    assert.equal(sampleValue(families.get('vestibule_session_cache_entries')), 0);
    assert.equal(
      sampleValue(families.get('vestibule_revocation_events_total'), { source: 'webhook' }),
      1,
    );
    // The hooks for lockouts exist at 0 until the login-protection store feeds them.
    assert.equal(sampleValue(families.get('vestibule_lockouts_total')), 0);
  } finally {
    await close();
  }
});

test('/metrics on the edge port refuses a missing, wrong or differently sized bearer token', async () => {
  const { edge, close } = await startEdge({ bearer_token: TOKEN });
  try {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong-token-0123456789abcdef' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
    ]) {
      const res = await scrape(edge, headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'UNAUTHENTICATED');
    }
    assert.equal((await scrape(edge, { authorization: `Bearer ${TOKEN}` })).status, 200);
  } finally {
    await close();
  }
});

test('metrics.port: a listener of its own; the edge port then routes /metrics to the app', async () => {
  const { edge, close } = await startEdge({ port: 0, bearer_token: TOKEN });
  try {
    assert.ok(edge.metricsURL && !edge.metricsURL.startsWith(edge.url));
    assert.equal((await scrape(edge)).status, 401);
    const ok = await scrape(edge, { authorization: `Bearer ${TOKEN}` });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /vestibule_requests_total/);
    // No rule covers /metrics on the edge port: the gateway's default decision (404), not metrics.
    assert.equal((await fetch(`${edge.url}/metrics`)).status, 404);
  } finally {
    await close();
  }
});

test('metrics off when neither port nor bearer_token is set: /metrics belongs to the app', async () => {
  const { edge, close } = await startEdge({});
  try {
    assert.equal(edge.metricsURL, undefined);
    assert.equal((await fetch(`${edge.url}/metrics`)).status, 404);
  } finally {
    await close();
  }
});
