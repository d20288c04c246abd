// The runbook's first page, live: Kratos's serve.public.base_url left on its own (in-cluster) host.
// Through the edge, the registration flow posts to that host and names it in its body; doctor's
// base-url, flow-action and no-internal-host checks fail. With kratos.browser_url set, the proxy
// rewrites the flow (those two pass) but mailed links still name Kratos's host (base-url fails).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from 'vestibule/edge';
import { main } from '../../src/main.ts';
import { startEmbeddedIdentity, type EmbeddedIdentity } from '../../src/stack/embedded-identity.ts';
import { resolvePort } from '../../src/stack/ports.ts';
import { memoryIO } from '../support/memory-io.ts';
import { serveEdge } from '../support/serve.ts';

const INTERNAL = 'http://kratos-internal.example:4433';
let identity: EmbeddedIdentity;
let edgePort: number;

before(async () => {
  edgePort = await resolvePort('127.0.0.1', 0);
  identity = await startEmbeddedIdentity({
    host: '127.0.0.1',
    publicPort: 0,
    adminPort: 0,
    edgeURL: `http://127.0.0.1:${edgePort}`,
    logger: createLogger({ level: 'error', write: () => {} }),
    bcryptCost: 4,
    kratosOverrides: { serve: { public: { base_url: `${INTERNAL}/` } } },
  });
});
after(() => identity.close());

function config(extraKratos: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-doctor-probe-'));
  writeFileSync(
    join(dir, 'vestibule.yml'),
    `server: { port: ${edgePort}, public_url: "http://127.0.0.1:${edgePort}" }
kratos: { public_url: "${identity.publicURL}", admin_url: "${identity.adminURL}"${extraKratos} }
gateway:
  upstream_url: "${identity.publicURL}"
  header_secret: ${'p'.repeat(40)}
  rules: [{ path: '/**', mode: optional }]
`,
  );
  return dir;
}

async function doctorFailures(dir: string): Promise<Map<string, string>> {
  const edge = await serveEdge({ cwd: dir, config: 'vestibule.yml', port: edgePort, env: {} });
  try {
    const io = memoryIO({}, { cwd: dir });
    assert.equal(await main(['doctor', '--config', 'vestibule.yml', '--json'], io.io), 1, io.err());
    const report = JSON.parse(io.out()) as {
      checks: Array<{ id: string; status: string; message: string }>;
    };
    return new Map(report.checks.filter((c) => c.status === 'fail').map((c) => [c.id, c.message]));
  } finally {
    assert.equal(await edge.stop(), 0);
  }
}

test("base_url on Kratos's own host: the flow posts there and names it; three checks say so", async () => {
  const failures = await doctorFailures(config(''));
  assert.deepEqual([...failures.keys()].sort(), [
    'kratos.base-url',
    'proxy.flow-action',
    'proxy.no-internal-host',
  ]);
  assert.match(
    failures.get('kratos.base-url')!,
    /serve\.public\.base_url is http:\/\/kratos-internal\.example:4433\//,
  );
  assert.match(
    failures.get('proxy.flow-action')!,
    /posts to http:\/\/kratos-internal\.example:4433\/self-service\/registration/,
  );
  assert.match(
    failures.get('proxy.no-internal-host')!,
    /kratos-internal\.example:4433 in the body/,
  );
});

test('with kratos.browser_url the proxy rewrites the flow; mailed links still name Kratos (base-url)', async () => {
  const failures = await doctorFailures(config(`, browser_url: "${INTERNAL}"`));
  assert.deepEqual([...failures.keys()], ['kratos.base-url']);
});
