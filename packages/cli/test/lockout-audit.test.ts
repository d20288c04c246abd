// `vestibule lockout` and `vestibule audit` (issue 12): through a running edge's admin endpoint, and
// with the store opened directly when nothing runs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigObject } from 'vestibule/config';
import { createLogger, launchEdge, type RunningEdge } from 'vestibule/edge';
import { main } from '../src/main.ts';
import type { CLIIO } from '../src/terminal/io.ts';

const SECRET = 'cli-admin-secret-cli-admin-secret-0123';

function memoryIO(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CLIIO = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: {},
    cwd,
    untilStopped: () => Promise.resolve('SIGINT'),
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

describe('vestibule lockout / audit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-lockout-'));
  const configFile = join(dir, 'vestibule.yml');
  let kratos: Server;
  let edge: RunningEdge;
  let raw: Record<string, unknown>;

  before(async () => {
    // A Kratos that refuses every password (browser flow: back to the same flow).
    kratos = createServer((req, res) => {
      req.resume();
      const flow = new URL(req.url!, 'http://k').searchParams.get('flow');
      res.writeHead(303, { location: `http://localhost/login?flow=${flow}` }).end();
    });
    await new Promise<void>((r) => kratos.listen(0, '127.0.0.1', r));
    const kratosURL = `http://127.0.0.1:${(kratos.address() as AddressInfo).port}`;
    raw = {
      kratos: { public_url: kratosURL },
      gateway: { upstream_url: kratosURL, header_secret: 'h'.repeat(32) },
      store: { directory: join(dir, 'edge-store') },
      protection: { admin: { secret: SECRET } },
    };
    const { config } = loadConfigObject(raw, { env: {} });
    edge = await launchEdge(config, {
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ level: 'error' }),
    });
    writeFileSync(configFile, JSON.stringify({ ...raw, server: { public_url: edge.url } }));
    for (let i = 0; i < 5; i++) {
      await fetch(`${edge.url}/api/ory/self-service/login?flow=f${i}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'method=password&identifier=locked%40example.com&password=wrong',
      });
    }
  });
  after(async () => {
    await edge?.close();
    await new Promise<void>((r) => kratos.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists and audits through the running edge', async () => {
    const list = memoryIO(dir);
    assert.equal(
      await main(['lockout', 'list', '--config', configFile, '--json'], list.io),
      0,
      list.err(),
    );
    const rows = JSON.parse(list.out()) as Array<{ key: string; locked_until: string | null }>;
    assert.ok(rows.some((r) => r.key === 'locked@example.com' && r.locked_until));
    const audit = memoryIO(dir);
    assert.equal(
      await main(
        [
          'audit',
          'query',
          '--identifier',
          'Locked@example.com',
          '--since',
          '24h',
          '--json',
          '--config',
          configFile,
        ],
        audit.io,
      ),
      0,
      audit.err(),
    );
    const events = audit
      .out()
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: string }).event);
    assert.deepEqual(events.filter((e) => e === 'login_failed').length, 5);
    assert.ok(events.includes('lockout_started'));
    assert.ok(!audit.out().includes('locked@example.com'));
  });

  it('clears a lock through the running edge', async () => {
    const clear = memoryIO(dir);
    assert.equal(
      await main(['lockout', 'clear', 'LOCKED@example.com', '--config', configFile], clear.io),
      0,
      clear.err(),
    );
    assert.match(clear.out(), /cleared/);
  });

  it('opens the store directly when no edge runs', async () => {
    await edge.close();
    const audit = memoryIO(dir);
    assert.equal(
      await main(['audit', 'query', '--json', '--config', configFile], audit.io),
      0,
      audit.err(),
    );
    assert.ok(audit.out().includes('lockout_cleared'));
    const tail = memoryIO(dir);
    assert.equal(await main(['audit', 'tail', '--config', configFile], tail.io), 0, tail.err());
    assert.match(tail.out(), /lockout_cleared/);
  });

  it('usage errors', async () => {
    const bad = memoryIO(dir);
    assert.equal(await main(['lockout', 'clear'], bad.io), 2);
    assert.equal(await main(['audit', 'query', '--since', 'yesterday'], bad.io), 2);
  });
});
