// What `vestibule serve` holds in memory from its start (issue 15): every module imported stays for
// good, so the packages a default edge does not need on its hot path are imported on first use —
// the Ory SDK with the first self-service page, prom-client with `metrics:`, the edge store's driver
// with the store, rate-limiter-flexible with the first rate-limited request, nodemailer with SMTP,
// the other commands with their command; and the edge's own parts a config may not have (Hydra's
// login and consent app, the Oathkeeper rule import, the captcha verifier) when the config has them.
// This test fails when a static import brings one of them back into the serve path.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const LOADED_ONLY_ON_USE = [
  '@ory/client-fetch',
  'prom-client',
  'kysely',
  'kysely-pglite-dialect',
  '@electric-sql/pglite',
  'pg',
  'nodemailer',
  'diff',
  'acorn',
  'jose',
  'oidc-provider',
  'rate-limiter-flexible',
];

// The edge's own modules imported only by a config that has the part (edge/parts.ts).
const LOADED_ONLY_WITH_THEIR_PART = ['/oauth2/', '/oathkeeper/', '/captcha/siteverify.'];

test('vestibule serve imports none of the packages it loads on first use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-lazy-'));
  // A resolve hook that reports every bare package specifier resolved in the process.
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (!/^[.\\/]|^node:|^file:/.test(specifier)) writeSync(2, 'PACKAGE ' + specifier + '\\n');
  const resolved = await next(specifier, context);
  if (resolved.url.includes('/packages/vestibule/')) writeSync(2, 'OWN ' + resolved.url + '\\n');
  return resolved;
}`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});`,
  );
  // The serve path: the dispatcher, the serve command, and the edge it starts.
  const main = pathToFileURL(join(import.meta.dirname, '../src/main.ts')).href;
  const serve = pathToFileURL(join(import.meta.dirname, '../src/commands/serve.ts')).href;
  const run = spawnSync(
    process.execPath,
    [
      '--conditions=@vestibule/source',
      '--import',
      'tsx',
      '--import',
      pathToFileURL(register).href,
      '--input-type=module',
      '-e',
      // The serve command imports these two when it runs.
      `await import(${JSON.stringify(main)}); await import(${JSON.stringify(serve)});` +
        "await import('vestibule/config'); await import('vestibule/edge');",
    ],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  const packages = new Set(
    [...run.stderr.matchAll(/^PACKAGE (\S+)$/gm)].map(([, s]) =>
      s!.startsWith('@') ? s!.split('/').slice(0, 2).join('/') : s!.split('/')[0]!,
    ),
  );
  // The hook saw the edge's own packages (it works), and none of the deferred ones.
  assert.ok(packages.has('vestibule') && packages.has('zod'), [...packages].join(', '));
  assert.deepEqual(
    LOADED_ONLY_ON_USE.filter((name) => packages.has(name)),
    [],
  );
  const own = [...run.stderr.matchAll(/^OWN (\S+)$/gm)].map(([, url]) => url!);
  assert.ok(
    own.some((url) => url.includes('/edge/parts.')),
    own.join(', '),
  );
  assert.deepEqual(
    own.filter((url) => LOADED_ONLY_WITH_THEIR_PART.some((part) => url.includes(part))),
    [],
  );
});
