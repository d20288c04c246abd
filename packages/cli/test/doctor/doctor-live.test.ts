// `vestibule doctor` end to end: the demo stack (vestibule up, in-process) is all ✓; the same
// stack seen through a vestibule.yml broken in one way fails that one check; the probes' clock is
// injectable; the file-only checks run --offline; colours follow the terminal and NO_COLOR.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigObject } from 'vestibule/config';
import { createOAuth2Server, parseConfig, type OAuth2Server } from '@vestibule/oauth2-server';
import { resolvePort } from '../../src/stack/ports.ts';
import { main } from '../../src/main.ts';
import { readStackFile } from '../../src/stack/stack-file.ts';
import { probeRegistrationFlow } from '../../src/doctor/probes.ts';
import { probeRedirects } from '../../src/doctor/hydra-redirects.ts';
import { ALL_CHECKS } from '../../src/doctor/report.ts';
import { memoryIO } from '../support/memory-io.ts';
import { runUp, type RunningUp } from '../support/up.ts';
import { healthyFacts } from './healthy-facts.ts';

let up: RunningUp;
let dataDir: string;
/** A Hydra whose urls.login is not on the edge (the old login app's port). */
let misdirected: { server: OAuth2Server; publicURL: string; adminURL: string };

async function startMisdirectedHydra(): Promise<typeof misdirected> {
  const [publicPort, adminPort] = [
    await resolvePort('127.0.0.1', 0),
    await resolvePort('127.0.0.1', 0),
  ];
  const publicURL = `http://127.0.0.1:${publicPort}`;
  const server = await createOAuth2Server({
    config: parseConfig(
      {
        dsn: 'memory',
        serve: {
          public: { host: '127.0.0.1', port: publicPort },
          admin: { host: '127.0.0.1', port: adminPort },
        },
        urls: {
          self: { issuer: publicURL },
          login: 'http://127.0.0.1:3000/login',
          consent: 'http://127.0.0.1:3000/consent',
        },
        secrets: { system: ['doctor-test-hydra-system-secret-0123456789'] },
      },
      { dev: true },
    ),
  });
  const listening = await server.listen();
  return { server, ...listening };
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vestibule-doctor-'));
  [up, misdirected] = await Promise.all([
    runUp(['--kratos-public-port', '0', '--kratos-admin-port', '0', '--data-dir', dataDir], {
      VESTIBULE_ADMIN_PASSWORD: 'doctor-test-admin-password-1234',
    }),
    startMisdirectedHydra(),
  ]);
  // The embedded OAuth2 server starts after the banner (its /oauth2/* answer 503 until then): every
  // check ✓ holds once it is up. Under load doctor's probe could reach its port first.
  await up.printed(/✓ oauth2 server \(in the background\) ready/);
});
after(async () => {
  await misdirected.server.close();
  assert.equal(await up.stop(), 0);
});

interface Report {
  ok: boolean;
  checks: Array<{ id: string; status: string; message: string }>;
}

async function doctor(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIO(env);
  const code = await main(['doctor', ...argv], io.io);
  return { code, out: io.out(), err: io.err() };
}

async function doctorJSON(argv: string[]) {
  const result = await doctor([...argv, '--json']);
  return { code: result.code, report: JSON.parse(result.out) as Report, err: result.err };
}

/** The demo stack's vestibule.yml values with one change, written as a file. */
function configWith(edit: (raw: Record<string, Record<string, unknown>>) => void): string {
  const raw = structuredClone(readStackFile(dataDir)!.edge) as Record<
    string,
    Record<string, unknown>
  >;
  edit(raw);
  const file = join(mkdtempSync(join(tmpdir(), 'vestibule-doctor-config-')), 'vestibule.yml');
  writeFileSync(file, stringify(raw));
  return file;
}

function kratosConfigFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vestibule-doctor-kratos-')), 'kratos.yml');
  writeFileSync(file, stringify(readStackFile(dataDir)!.kratos));
  return file;
}

test('doctor on the demo stack: every check ✓, the embedded OAuth2 server probed live, exit 0', async () => {
  // The OAuth2 server starts in the background after the banner: doctor waits for it.
  const result = await doctor(['--data-dir', dataDir]);
  assert.equal(result.code, 0, result.out + result.err);
  const lines = result.out.split('\n').filter((l) => /^[✓✗!·] /.test(l));
  assert.equal(lines.length, ALL_CHECKS.length);
  const notOK = lines.filter((l) => !l.startsWith('✓'));
  assert.deepEqual(notOK, []);
  assert.match(result.out, /✓ Hydra admin API: alive and ready at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(
    result.out,
    /✓ Hydra's login\/consent\/logout URLs: on http:\/\/[^ ]+ \(login and consent learned live\); logout not checked/,
  );
  assert.match(result.out, /✓ Hydra's issuer: http:\/\/localhost:\d+ \(discovery\)/);
  assert.ok(lines.filter((l) => l.startsWith('✓')).length >= 25);
  assert.match(result.out, /Kratos settings from the demo stack and the live Kratos/);
});

test('doctor --json on the demo stack: one object, ok true', async () => {
  const { code, report } = await doctorJSON(['--data-dir', dataDir]);
  assert.equal(code, 0);
  assert.equal(report.ok, true);
  assert.equal(report.checks.length, ALL_CHECKS.length);
});

test('live: an upstream that does not answer fails upstream.reachable only', async () => {
  const config = configWith((raw) => (raw.gateway!.upstream_url = 'http://127.0.0.1:9'));
  const { code, report } = await doctorJSON([
    '--config',
    config,
    '--kratos-config',
    kratosConfigFile(),
  ]);
  assert.equal(code, 1);
  assert.deepEqual(
    report.checks.filter((c) => c.status === 'fail').map((c) => c.id),
    ['upstream.reachable'],
  );
});

test('live: an admin URL where nothing listens fails kratos.admin-reachable only', async () => {
  const config = configWith((raw) => (raw.kratos!.admin_url = 'http://127.0.0.1:9'));
  const { code, report } = await doctorJSON([
    '--config',
    config,
    '--kratos-config',
    kratosConfigFile(),
  ]);
  assert.equal(code, 1);
  assert.deepEqual(
    report.checks.filter((c) => c.status === 'fail').map((c) => c.id),
    ['kratos.admin-reachable'],
  );
});

test('live: a role rule for a role no identity holds fails rules.unknown-role only', async () => {
  const config = configWith((raw) => {
    const rules = raw.gateway!.rules as Array<Record<string, unknown>>;
    rules.push({ id: 'billing', path: '/billing', mode: 'role', roles: ['accountant'] });
  });
  const { report } = await doctorJSON(['--config', config, '--kratos-config', kratosConfigFile()]);
  const failed = report.checks.filter((c) => c.status === 'fail');
  assert.deepEqual(
    failed.map((c) => c.id),
    ['rules.unknown-role'],
  );
  assert.match(failed[0]!.message, /no identity has role accountant/);
});

test('live: the clock-skew probe measures the flow issued_at against an injected local clock', async () => {
  const { config } = loadConfigObject(readStackFile(dataDir)!.edge, { env: {} });
  const behind = await probeRegistrationFlow(config, {
    timeoutMs: 5_000,
    now: () => Date.now() - 60_000,
  });
  assert.ok(behind.clockSkewMs! > 55_000, `skew ${behind.clockSkewMs}`);
  const facts = healthyFacts();
  facts.live!.registration = behind;
  const clock = ALL_CHECKS.find((c) => c.id === 'clock.skew')!;
  assert.equal(clock.run(facts).status, 'fail');
  const inStep = await probeRegistrationFlow(config, { timeoutMs: 5_000, now: Date.now });
  facts.live!.registration = inStep;
  assert.equal(clock.run(facts).status, 'ok', clock.run(facts).message);
});

test('offline: a short header secret in the file fails secrets.header-length only (not a load error)', async () => {
  const config = configWith((raw) => (raw.gateway!.header_secret = 'short-secret'));
  const { code, report } = await doctorJSON(['--config', config, '--offline']);
  assert.equal(code, 1);
  assert.deepEqual(
    report.checks.filter((c) => c.status === 'fail').map((c) => c.id),
    ['secrets.header-length'],
  );
  assert.ok(report.checks.some((c) => c.id === 'edge.reachable' && c.status === 'skip'));
});

test('colours on a terminal only, never with NO_COLOR; usage errors exit 2', async () => {
  const argv = ['doctor', '--data-dir', dataDir, '--offline'];
  const tty = memoryIO({}, { tty: true });
  await main(argv, tty.io);
  assert.ok(tty.out().includes('\u001b[32m✓\u001b[0m'), 'green ✓ on a terminal');
  const noColor = memoryIO({ NO_COLOR: '1' }, { tty: true });
  await main(argv, noColor.io);
  assert.ok(!noColor.out().includes('\u001b['), 'NO_COLOR wins');
  const piped = memoryIO({});
  await main(argv, piped.io);
  assert.ok(!piped.out().includes('\u001b['), 'no colour in a pipe');

  const empty = mkdtempSync(join(tmpdir(), 'vestibule-doctor-empty-'));
  const missing = await doctor(['--data-dir', empty]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no --config given and no .*stack\.json \(written by vestibule up\)/);
  const absent = await doctor(['--config', join(empty, 'nope.yml')]);
  assert.equal(absent.code, 2);
  assert.match(absent.err, /--config .*nope\.yml: ENOENT/);
});

/** The demo stack's vestibule.yml pointing at another Hydra (or at nothing). */
function withHydra(hydra: { public_url?: string; admin_url?: string }): string {
  return configWith((raw) => (raw.hydra = { ...raw.hydra, ...hydra }));
}

async function failedChecks(config: string) {
  const { code, report } = await doctorJSON([
    '--config',
    config,
    '--kratos-config',
    kratosConfigFile(),
  ]);
  return { code, failed: report.checks.filter((c) => c.status === 'fail'), report };
}

async function clientsAt(adminURL: string): Promise<unknown[]> {
  return (await (await fetch(`${adminURL}/admin/clients`)).json()) as unknown[];
}

test('live Hydra: urls.login and urls.consent off the edge (no hydra.yml given) fail hydra.urls only; the probe leaves no client behind', async () => {
  const before = await clientsAt(misdirected.adminURL);
  const { code, failed } = await failedChecks(
    withHydra({ public_url: misdirected.publicURL, admin_url: misdirected.adminURL }),
  );
  assert.equal(code, 1);
  assert.deepEqual(
    failed.map((c) => c.id),
    ['hydra.urls'],
  );
  assert.match(failed[0]!.message, /Hydra sends login to http:\/\/127\.0\.0\.1:3000\/login/);
  assert.match(
    failed[0]!.message,
    /Hydra sends consent to http:\/\/127\.0\.0\.1:3000\/consent/,
    'consent learned live too: the probe accepted the login for a throwaway subject',
  );
  assert.deepEqual(
    await clientsAt(misdirected.adminURL),
    before,
    'the throwaway client is deleted',
  );
});

test('live Hydra: an admin URL where nothing listens fails hydra.admin-reachable only', async () => {
  const stack = readStackFile(dataDir)!.edge.hydra as { public_url: string };
  const { failed } = await failedChecks(
    withHydra({ public_url: stack.public_url, admin_url: 'http://127.0.0.1:9' }),
  );
  assert.deepEqual(
    failed.map((c) => c.id),
    ['hydra.admin-reachable'],
  );
});

test('live Hydra: a public URL where nothing listens fails hydra.public-reachable only', async () => {
  const { failed } = await failedChecks(withHydra({ public_url: 'http://127.0.0.1:9' }));
  assert.deepEqual(
    failed.map((c) => c.id),
    ['hydra.public-reachable'],
  );
});

test('live Hydra: hydra.public_url naming another host than the issuer fails hydra.issuer only', async () => {
  const stack = readStackFile(dataDir)!.edge.hydra as { public_url: string };
  const { failed } = await failedChecks(
    withHydra({ public_url: stack.public_url.replace('localhost', '127.0.0.1') }),
  );
  assert.deepEqual(
    failed.map((c) => c.id),
    ['hydra.issuer'],
  );
  assert.match(failed[0]!.message, /discovery says http:\/\/localhost:\d+/);
});

test('live Hydra: the redirect probe learns login and consent, and every cleanup step succeeds', async () => {
  const before = await clientsAt(misdirected.adminURL);
  const result = await probeRedirects(misdirected.publicURL, misdirected.adminURL, 5_000);
  assert.match(result.login!.location!, /^http:\/\/127\.0\.0\.1:3000\/login\?login_challenge=/);
  assert.match(
    result.consent!.location!,
    /^http:\/\/127\.0\.0\.1:3000\/consent\?consent_challenge=/,
  );
  assert.equal(
    result.login!.cleanup,
    undefined,
    'consent rejected, sessions revoked, client deleted',
  );
  assert.equal(result.login!.error, undefined);
  assert.deepEqual(await clientsAt(misdirected.adminURL), before);
});
