// Regression (issue 13): `vestibule serve` ran with the header secret printed in the example
// vestibule.yml, so anyone who read the docs could forge identity headers for an edge on the network.
// Outside loopback the documented example secrets are now refused, naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertServable, loadConfigObject } from 'vestibule/config';
import { main } from '../src/main.ts';
import type { CLIIO } from '../src/terminal/io.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EXAMPLE = 'change-me-to-a-long-random-string-of-32+-chars';

function config(host: string, headerSecret: string) {
  return loadConfigObject(
    {
      server: { host, port: 4000 },
      kratos: { public_url: 'http://kratos:4433' },
      gateway: {
        upstream_url: 'http://app:3000',
        header_secret: headerSecret,
        upstream_secrets: [
          { upstream: 'http://blog:3000', header_secret: 'another-long-random-string-32+-chars' },
        ],
      },
    },
    { env: {} },
  ).config;
}

test('serve refuses the documented example secrets beyond loopback, and names each key', () => {
  assert.throws(
    () => assertServable(config('0.0.0.0', EXAMPLE)),
    (err: Error) =>
      /gateway\.header_secret: is the documented example secret/.test(err.message) &&
      /gateway\.upstream_secrets\[0\]\.header_secret: is the documented example secret/.test(
        err.message,
      ),
  );
  assert.throws(
    () => assertServable(config('::', 'a-real-random-secret-0123456789abcdef')),
    /upstream_secrets\[0\]/,
  );
  assert.doesNotThrow(() => assertServable(config('127.0.0.1', EXAMPLE)), 'loopback: a local try');
});

test('vestibule serve --check exits 1 on the example secret with host 0.0.0.0', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'vestibule-secret-')), 'vestibule.yml');
  writeFileSync(
    file,
    `server: { host: 0.0.0.0 }\nkratos: { public_url: "http://kratos:4433" }\ngateway: { upstream_url: "http://app:3000", header_secret: "${EXAMPLE}" }\n`,
  );
  const err: string[] = [];
  const io: CLIIO = {
    stdout: () => {},
    stderr: (t) => void err.push(t),
    env: {},
    cwd: process.cwd(),
    untilStopped: () => Promise.resolve('SIGINT'),
  };
  assert.equal(await main(['serve', '--config', file, '--check'], io), 1);
  assert.match(err.join(''), /gateway\.header_secret: is the documented example secret/);
});
