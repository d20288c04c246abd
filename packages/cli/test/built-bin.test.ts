// The operator commands through the built bin (bin/vestibule.js → dist/), from a directory outside
// the checkout, with plain `node`: no TypeScript loader and no source condition, as an installed
// `vestibule` runs. `npm ci` builds dist/ (prepare); a checkout that was not built fails here loudly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/vestibule.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/commands/doctor.js', import.meta.url));

function run(argv: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...argv], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

test('the built bin runs the operator commands from any directory', () => {
  assert.ok(existsSync(DIST), `${DIST} is missing: run \`npm run build\` (npm ci does)`);
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-any-dir-'));
  writeFileSync(
    join(dir, 'vestibule.yml'),
    `server: { public_url: https://app.example.com }
kratos: { public_url: "http://127.0.0.1:9", admin_url: "http://127.0.0.1:9" }
gateway:
  upstream_url: http://127.0.0.1:9
  header_secret: ${'b'.repeat(40)}
  rules: [{ path: '/**', mode: required }]
`,
  );
  const help = run(['--help'], dir);
  assert.equal(help.code, 0, help.err);
  for (const name of ['up', 'serve', 'doctor', 'generate', 'users', 'sessions']) {
    assert.match(help.out, new RegExp(`\\n  ${name}\\s`), `${name} listed`);
  }
  assert.match(run(['users', 'delete', '--help'], dir).out, /^Usage: vestibule users delete/);

  const generated = run(['generate', 'kratos'], dir);
  assert.equal(generated.code, 0, generated.err);
  assert.match(generated.out, /base_url: https:\/\/app\.example\.com\/api\/ory\//);

  const doctor = run(['doctor', '--config', 'vestibule.yml', '--offline', '--json'], dir);
  assert.equal(doctor.code, 0, doctor.err);
  assert.equal((JSON.parse(doctor.out) as { ok: boolean }).ok, true);

  const users = run(['users', 'list'], dir, { VESTIBULE_KRATOS_ADMIN_URL: 'http://127.0.0.1:9' });
  assert.equal(users.code, 1);
  assert.match(users.err, /the Kratos admin API at http:\/\/127\.0\.0\.1:9 .* is unreachable/);

  const usage = run(['users', 'delete', 'someone@example.com'], dir);
  assert.equal(usage.code, 1, 'unreachable Kratos is found before the question');
  const noColour = run(['doctor', '--config', 'vestibule.yml', '--offline'], dir);
  assert.ok(!noColour.out.includes('\u001b['), 'no colour when stdout is a pipe');
});
