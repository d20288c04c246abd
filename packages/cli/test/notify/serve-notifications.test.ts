// `vestibule serve` mails security notices over SMTP when vestibule.yml has
// `protection.notifications.smtp`: a password changed through the edge (settings submit, answered
// `state: success` by a Kratos double) reaches a real SMTP server (`smtp-server`) on loopback,
// addressed to the identity's email, from the configured sender. Without the key, nothing is sent.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { loadConfigObject } from 'vestibule/config';
import { main } from '../../src/main.ts';
import { notifierFromConfig } from '../../src/notify/from-config.ts';
import type { CLIIO } from '../../src/terminal/io.ts';

const TOKEN = 'ory_st_serve-notifications-token';
const EMAIL = 'alice@example.com';
const received: Array<{ from: string; to: string[]; raw: string }> = [];
let smtp: SMTPServer;
let smtpURI: string;
let kratos: Server;
let kratosURL: string;
const dir = mkdtempSync(join(tmpdir(), 'vestibule-serve-notify-'));

before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpURI = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}/?disable_starttls=true`;

  // A Kratos double: whoami for the token, and a settings submit that succeeds.
  const identity = { id: '7d3c0f0e-0000-4000-8000-000000000001', traits: { email: EMAIL } };
  kratos = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url!, 'http://kratos');
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/sessions/whoami') {
      if (req.headers['x-session-token'] !== TOKEN) return json(401, { error: { code: 401 } });
      return json(200, { id: 's1', active: true, identity });
    }
    if (url.pathname === '/self-service/settings' && req.method === 'POST') {
      return json(200, { id: url.searchParams.get('flow'), state: 'success', identity });
    }
    return json(404, { error: { code: 404 } });
  });
  await new Promise<void>((resolve) => kratos.listen(0, '127.0.0.1', resolve));
  kratosURL = `http://127.0.0.1:${(kratos.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await new Promise<void>((resolve) => kratos.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string, notifications: boolean): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0 },
      kratos: { public_url: kratosURL },
      gateway: { upstream_url: kratosURL, header_secret: 'h'.repeat(32) },
      log: { level: 'error' },
      ...(notifications
        ? {
            protection: {
              notifications: {
                smtp: {
                  connection_uri: smtpURI,
                  from_address: 'security@acme.test',
                  product_name: 'Acme',
                },
              },
            },
          }
        : {}),
    }),
  );
  return file;
}

/** Runs `vestibule serve`, changes the password through it, stops it; returns mails received. */
async function changePasswordThroughServe(file: string): Promise<number> {
  const before = received.length;
  const out: string[] = [];
  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const io: CLIIO = {
    stdout: (t) => void out.push(t),
    stderr: () => {},
    env: {},
    cwd: dir,
    untilStopped: () => stopped,
  };
  const serving = main(['serve', '--config', file], io);
  let url: string | undefined;
  while (!url) {
    const match = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(out.join(''));
    if (match) url = match[1];
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  try {
    const res = await fetch(`${url}/api/ory/self-service/settings?flow=f1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-session-token': TOKEN,
      },
      body: JSON.stringify({ method: 'password', password: 'a new long passphrase' }),
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  } finally {
    stop('SIGINT');
    assert.equal(await serving, 0);
  }
  return received.length - before;
}

test('serve with protection.notifications.smtp mails "your password was changed" over SMTP', async () => {
  assert.equal(await changePasswordThroughServe(configFile('with.yml', true)), 1);
  const mail = received.at(-1)!;
  assert.equal(mail.from, 'security@acme.test');
  assert.deepEqual(mail.to, [EMAIL]);
  assert.match(mail.raw, /password/i);
  assert.match(mail.raw, /Acme/);
});

test('serve without protection.notifications sends nothing', async () => {
  assert.equal(await changePasswordThroughServe(configFile('without.yml', false)), 0);
});

test('protection.notifications.smtp: a bad URI or sender is named; the env var sets the URI', async () => {
  const base = { kratos: { public_url: 'http://127.0.0.1:1' } };
  assert.throws(
    () =>
      loadConfigObject(
        {
          ...base,
          protection: {
            notifications: { smtp: { connection_uri: 'http://x', from_address: 'a@b.c' } },
          },
        },
        { env: {} },
      ),
    /protection\.notifications\.smtp\.connection_uri/,
  );
  assert.throws(
    () =>
      loadConfigObject(
        {
          ...base,
          protection: {
            notifications: { smtp: { connection_uri: smtpURI, from_address: 'two words@x' } },
          },
        },
        { env: {} },
      ),
    /protection\.notifications\.smtp\.from_address/,
  );
  const { config } = loadConfigObject(
    { ...base, protection: { notifications: { smtp: { from_address: 'a@b.c' } } } },
    { env: { VESTIBULE_NOTIFICATIONS_SMTP_URI: smtpURI } },
  );
  assert.equal(config.protection.notifications?.smtp.connection_uri, smtpURI);
  const notifier = await notifierFromConfig(config);
  assert.ok(notifier);
  notifier.close();
  assert.equal(await notifierFromConfig(loadConfigObject(base, { env: {} }).config), undefined);
});
