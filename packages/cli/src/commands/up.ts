// `vestibule up` (and `npm start`): the embedded identity server, the notes demo app and the edge,
// with live progress, the URLs to open and the seeded admin's credentials. Ctrl-C stops everything.
import { join, resolve } from 'node:path';
import { loadConfigFile } from 'vestibule/config';
import type { EdgeConfigInput } from 'vestibule/config';
import { createLogger, flushLogs } from 'vestibule/edge';
import { parseFlags, portOption } from '../terminal/args.ts';
import type { CLIIO, Command } from '../terminal/io.ts';
import { assertPortFree } from '../stack/ports.ts';
import { createProgress } from '../terminal/progress.ts';
import { startStack, type RunningStack } from '../stack/stack.ts';
import { localSecret, SECRETS_FILE } from '../stack/local-secrets.ts';

const usage = `Usage: vestibule up [flags]

Starts the demo stack: the embedded identity server (Kratos API on 4433/4434), the embedded OAuth2
server (Hydra API on 4444/4445, the edge as its login and consent app), the notes demo app (4001)
and the edge (4000) in front of it; once the OAuth2 server is ready, the "Sign in with Notes"
relying-party demo (4002), its client registered on each start. Open http://localhost:4000. Ctrl-C stops everything.
With kratos.public_url set (in --config or VESTIBULE_KRATOS_PUBLIC_URL) a real Kratos is used and
the embedded server is not started; likewise hydra.public_url/admin_url (VESTIBULE_HYDRA_*_URL).

Flags:
  --port <n>               edge port (env VESTIBULE_PORT, default 4000; 0 = any free port)
  --app-port <n>           demo app port (env VESTIBULE_APP_PORT, default 4001)
  --kratos-public-port <n> embedded Kratos public API port (env VESTIBULE_KRATOS_PUBLIC_PORT, default 4433)
  --kratos-admin-port <n>  embedded Kratos admin API port (env VESTIBULE_KRATOS_ADMIN_PORT, default 4434)
  --hydra-public-port <n>  embedded OAuth2 server's public API (issuer) port (env VESTIBULE_HYDRA_PUBLIC_PORT, default 4444)
  --hydra-admin-port <n>   embedded OAuth2 server's admin API port (env VESTIBULE_HYDRA_ADMIN_PORT, default 4445)
  --rp-port <n>            relying-party demo port (env VESTIBULE_RP_PORT, default 4002)
  --host <addr>            listen address for all three (default 127.0.0.1)
  --config <file>          a vestibule.yml whose settings are used (rules, theme, Kratos URLs, …)
  --data-dir <dir>         where identities, sessions and notes are kept (env VESTIBULE_DATA_DIR, default .data)
  --memory                 keep nothing on disk
  --verbose                log every request (JSON lines on stderr)
  --seed-admin             create the admin account in a Kratos given by URL too (never by default)
  --captcha                captcha on registration, recovery and login after 3 failures, verified by a
                           local verifier with the providers' siteverify contract (no network)
  -h, --help               this help

The admin account (role admin) is admin@example.com (VESTIBULE_ADMIN_EMAIL) with a random password
made on first start, printed once and kept in <data dir>/secrets.json, unless
VESTIBULE_ADMIN_PASSWORD gives one. With --host beyond loopback, Kratos's admin API stays on
127.0.0.1, the dev mailbox is off, and the cookie, cipher and header secrets are generated into
<data dir>/secrets.json instead of the development constants.

Examples:
  vestibule up
  vestibule up --memory --port 8080
  vestibule up --config vestibule.yml --data-dir /tmp/vestibule-data
`;

const DEFAULT_ADMIN_EMAIL = 'admin@example.com';

export const upCommand: Command = {
  name: 'up',
  summary: 'start the demo stack (identity server, demo app, edge) with progress output',
  usage,
  async run(argv: string[], io: CLIIO): Promise<number> {
    const flags = parseFlags('up', argv, {
      port: { type: 'string' },
      'app-port': { type: 'string' },
      'kratos-public-port': { type: 'string' },
      'kratos-admin-port': { type: 'string' },
      'hydra-public-port': { type: 'string' },
      'hydra-admin-port': { type: 'string' },
      'rp-port': { type: 'string' },
      host: { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'seed-admin': { type: 'boolean' },
      captcha: { type: 'boolean' },
    });
    const env = io.env;
    const host = flags.host ?? '127.0.0.1';
    const ports = {
      edge: portOption('--port', flags.port ?? env.VESTIBULE_PORT, 4000),
      app: portOption('--app-port', flags['app-port'] ?? env.VESTIBULE_APP_PORT, 4001),
      kratosPublic: portOption(
        '--kratos-public-port',
        flags['kratos-public-port'] ?? env.VESTIBULE_KRATOS_PUBLIC_PORT,
        4433,
      ),
      kratosAdmin: portOption(
        '--kratos-admin-port',
        flags['kratos-admin-port'] ?? env.VESTIBULE_KRATOS_ADMIN_PORT,
        4434,
      ),
      hydraPublic: portOption(
        '--hydra-public-port',
        flags['hydra-public-port'] ?? env.VESTIBULE_HYDRA_PUBLIC_PORT,
        4444,
      ),
      hydraAdmin: portOption(
        '--hydra-admin-port',
        flags['hydra-admin-port'] ?? env.VESTIBULE_HYDRA_ADMIN_PORT,
        4445,
      ),
      rp: portOption('--rp-port', flags['rp-port'] ?? env.VESTIBULE_RP_PORT, 4002),
    };
    let edgeConfig = flags.config ? readConfigFile(flags.config, io) : undefined;
    const embedded = !(edgeConfig?.kratos?.public_url ?? env.VESTIBULE_KRATOS_PUBLIC_URL);
    const embeddedOAuth2 = !(
      edgeConfig?.hydra?.public_url ??
      edgeConfig?.hydra?.admin_url ??
      env.VESTIBULE_HYDRA_PUBLIC_URL ??
      env.VESTIBULE_HYDRA_ADMIN_URL
    );
    await assertPortsFree(host, ports, embedded, embeddedOAuth2);
    const dataDir = flags.memory
      ? undefined
      : resolve(io.cwd, flags['data-dir'] ?? env.VESTIBULE_DATA_DIR ?? '.data');

    const admin = adminPassword(env, dataDir);
    const progress = createProgress(io.stdout);
    const logger = createLogger({
      level: flags.verbose ? 'info' : 'warn',
      ...(io.processStderr ? {} : { write: (l: string) => io.stderr(l + '\n') }),
    });
    progress.line(`vestibule up${dataDir ? ` (data in ${dataDir})` : ' (in memory)'}`);
    // Listen for Ctrl-C before starting: a signal during startup then stops cleanly once the parts
    // are up, instead of killing the process halfway through opening a database.
    const stopRequested = io.untilStopped();
    const captcha = flags.captcha ? await startLocalCaptcha(edgeConfig) : undefined;
    if (captcha) {
      edgeConfig = captcha.edgeConfig;
      progress.line(`• captcha: local verifier at ${captcha.verifier.url} (siteverify contract)`);
    }
    const stack = await startStack({
      host,
      ports,
      dataDir,
      edgeConfig,
      env,
      admin: { email: env.VESTIBULE_ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL, password: admin.password },
      seedRealKratos: flags['seed-admin'] === true,
      progress,
      logger,
    });
    io.stdout(readyBanner(stack, admin.shown, dataDir));
    const signal = await stopRequested;
    progress.line(`• ${signal} received`);
    const stopping = progress.step('stack', 'stopping');
    await stack.stop();
    await captcha?.verifier.close();
    flushLogs();
    stopping.done('stopped, every part closed');
    return 0;
  },
};

/** The local siteverify server and the `protection.captcha` that points the edge at it. */
async function startLocalCaptcha(edgeConfig: EdgeConfigInput | undefined) {
  const { startLocalVerifier, LOCAL_DEV_KEYS } = await import('vestibule/captcha');
  const verifier = await startLocalVerifier();
  const captcha = {
    provider: 'local' as const,
    site_key: LOCAL_DEV_KEYS.siteKey,
    secret: LOCAL_DEV_KEYS.secret,
    verify_url: verifier.siteverifyURL('local'),
  };
  return {
    verifier,
    edgeConfig: {
      ...edgeConfig,
      protection: { ...edgeConfig?.protection, captcha },
    } as EdgeConfigInput,
  };
}

function readConfigFile(path: string, io: CLIIO): EdgeConfigInput {
  // Validated here (errors name the key) with the same loader `serve` uses; the raw values are what
  // the stack merges, so defaults do not mask what `up` decides itself.
  const { warnings, raw } = loadConfigFile(resolve(io.cwd, path), { env: io.env });
  for (const w of warnings) io.stderr(`! ${w.key}: ${w.message} (${w.code})\n`);
  return raw as EdgeConfigInput;
}

async function assertPortsFree(
  host: string,
  ports: Record<string, number>,
  embedded: boolean,
  embeddedOAuth2: boolean,
): Promise<void> {
  const named: Array<[number, string]> = [
    [ports.edge!, 'edge'],
    [ports.app!, 'demo app'],
  ];
  if (embedded)
    named.push(
      [ports.kratosPublic!, 'Kratos public API'],
      [ports.kratosAdmin!, 'Kratos admin API'],
    );
  if (embeddedOAuth2)
    named.push([ports.hydraPublic!, 'OAuth2 public API'], [ports.hydraAdmin!, 'OAuth2 admin API']);
  named.push([ports.rp!, 'RP demo']);
  for (const [port, name] of named) if (port !== 0) await assertPortFree(host, port, name);
}

/**
 * The admin's password: VESTIBULE_ADMIN_PASSWORD, or one generated on first start and kept under
 * the data dir. `shown`: whether the banner may print it (given, or made just now) — a kept one is
 * printed once, not on every start to whoever reads the terminal or its logs.
 */
function adminPassword(
  env: Record<string, string | undefined>,
  dataDir: string | undefined,
): { password: string; shown: boolean } {
  if (env.VESTIBULE_ADMIN_PASSWORD) return { password: env.VESTIBULE_ADMIN_PASSWORD, shown: true };
  const secret = localSecret(dataDir, 'admin_password');
  return { password: secret.value, shown: secret.created };
}

function readyBanner(stack: RunningStack, showPassword: boolean, dataDir?: string): string {
  const u = stack.edgeURL;
  const password = showPassword
    ? stack.admin.password
    : `(printed when it was made; kept in ${join(dataDir ?? '.data', SECRETS_FILE)})`;
  const admin =
    stack.admin.seeded === 'skipped'
      ? ''
      : `\n  Admin login      ${stack.admin.email} / ${password}` +
        (stack.admin.seeded === 'exists' ? '  (existing account: password as first seeded)' : '');
  return `
  Vestibule is up. Open ${u}

    Notes app        ${u}/
    Sign up          ${u}/registration
    Log in           ${u}/login
    Account          ${u}/account
    Admin            ${u}/admin
    Who am I (JSON)  ${u}/api/whoami
    Dev mailbox      ${u}/dev/mailbox
${admin}
  Kratos public API ${stack.kratosPublicURL}${stack.embeddedIdentity ? ' (embedded)' : ''}${
    stack.hydraPublicURL
      ? `\n  OAuth2 issuer     ${stack.hydraPublicURL}${stack.embeddedOAuth2 ? ` (embedded; admin ${stack.hydraAdminURL})` : ''}`
      : ''
  }${
    stack.rp
      ? `\n  RP demo           ${stack.rp.url}/  ("Sign in with Notes"; starts with the OAuth2 server)`
      : ''
  }

  Press Ctrl-C to stop.

`;
}
