// The whole demo stack in one process: the embedded identity server (unless Kratos URLs are
// configured), the notes demo app and the edge in front of it. `vestibule up` runs it with progress
// output; the browser tests run it on free ports. Stops in reverse order.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { EdgeConfig, EdgeConfigInput } from 'vestibule/config';
import { applyEnvOverrides, listensBeyondLoopback, loadConfigObject } from 'vestibule/config';
import { launchEdge, type RunningEdge } from 'vestibule/edge';
import type { CaptchaVerifier } from 'vestibule/captcha';
import { createMailNotifier, type MailSink } from 'vestibule/notifications';
import type { Logger } from 'vestibule/edge';
import { startEmbeddedIdentity, type EmbeddedIdentityOptions } from './embedded-identity.ts';
import { planOAuth2 } from './oauth2-part.ts';
import { demoRules } from './demo-rules.ts';
import { planRPDemo } from './rp-part.ts';
import type { Progress } from '../terminal/progress.ts';
import type * as DemoApp from '@vestibule/demo-app';
import type { ConfigOverrides } from '@vestibule/identity-server';
import { resolvePort } from './ports.ts';
import { seedAdmin, type AdminAccount } from './seed-admin.ts';
import { localSecret } from './local-secrets.ts';
import { writeStackFile } from './stack-file.ts';
import { startupPhases } from './phases.ts';

export interface StackOptions {
  host: string;
  ports: {
    edge: number;
    app: number;
    kratosPublic: number;
    kratosAdmin: number;
    /** The embedded OAuth2 server's ports (`up` passes Hydra's 4444/4445; unset: any free port). */
    hydraPublic?: number;
    hydraAdmin?: number;
    /** The RP demo ("Sign in with Notes"; `up` passes 4002; unset: any free port). */
    rp?: number;
  };
  /** Persistent data (identity server and demo app) under this directory; memory when unset. */
  dataDir?: string;
  /** The user's vestibule.yml (already parsed object); its Kratos URLs switch off the embedded server. */
  edgeConfig?: EdgeConfigInput;
  env: Record<string, string | undefined>;
  admin: AdminAccount;
  /** Seed the admin into a Kratos given by URL too (a real deployment): off unless asked. */
  seedRealKratos?: boolean;
  /** Start the embedded OAuth2 server when no Hydra is configured (default true; tests that do
   * not use OAuth2 turn it off to start faster). */
  oauth2?: boolean;
  /** Tests: the embedded OAuth2 server starts only once this settles. */
  oauth2StartsAfter?: Promise<unknown>;
  /** Start the RP demo once the OAuth2 server is ready (default: whenever there is one). */
  rpDemo?: boolean;
  /** Verifies the captcha `protection.captcha` asks for (`vestibule up --captcha`: the local one). */
  captchaVerifier?: CaptchaVerifier;
  /** Knobs for tests: bcrypt cost, flow lifespans, a fake clock. */
  identity?: Pick<EmbeddedIdentityOptions, 'bcryptCost' | 'kratosOverrides' | 'clock'>;
  progress: Progress;
  logger: Logger;
}

export interface RunningStack {
  edgeURL: string;
  appURL: string;
  kratosPublicURL: string;
  kratosAdminURL: string | undefined;
  embeddedIdentity: boolean;
  /** Hydra's public (issuer) and admin URLs: the embedded OAuth2 server's unless configured. */
  hydraPublicURL: string | undefined;
  hydraAdminURL: string | undefined;
  embeddedOAuth2: boolean;
  /** The embedded OAuth2 server starts after the rest (its /oauth2/* answer 503 until then):
   * settles when it is up (or failed to start); resolved at once when none is embedded. */
  oauth2Ready: Promise<void>;
  /** The RP demo's URL and client id (started in the background after the OAuth2 server). */
  rp?: { url: string; clientId: () => string; ready: Promise<void> };
  admin: AdminAccount & { seeded: 'created' | 'exists' | 'skipped' };
  config: Readonly<EdgeConfig>;
  stop(): Promise<void>;
}

interface Stoppable {
  name: string;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<RunningStack> {
  const { host, progress } = options;
  const started: Stoppable[] = [];
  const stop = async () => {
    for (const part of started.reverse()) {
      await part
        .close()
        .catch((err: unknown) =>
          options.logger.warn(`stopping ${part.name} failed`, { error: err }),
        );
    }
    started.length = 0;
  };
  // One timing line per phase at the end (issue 15's startup target is measured from these).
  const phases = startupPhases();
  try {
    const edgePort = await resolvePort(host, options.ports.edge);
    const edgeURL = `http://localhost:${edgePort}`;
    // Env overrides (VESTIBULE_KRATOS_PUBLIC_URL, …) apply to the user's part; validating it first
    // names a bad key before anything starts.
    const userRaw = applyEnvOverrides(
      (options.edgeConfig ?? {}) as Record<string, unknown>,
      options.env,
    ).raw;
    const base = loadConfigObject(userRaw, { env: {} });
    // Beyond loopback, nothing runs on a secret that ships in this repository or changes per run
    // unseen: generated ones, kept under the data dir (local-secrets.ts).
    const beyondLoopback = listensBeyondLoopback(host);
    const headerSecret =
      base.config.gateway.header_secret ??
      (beyondLoopback
        ? localSecret(options.dataDir, 'header_secret').value
        : randomBytes(32).toString('base64url'));
    // Its URLs now (the edge points at them), the server itself after the edge (oauth2-part.ts).
    // The embedded OAuth2 server reports revoked access tokens to the edge's revocation webhook (the
    // user's, when configured; else one with a per-run secret), so they stop passing at once.
    const revocation = base.config.gateway.revocation ?? {
      path: '/.vestibule/revoke',
      secret: randomBytes(32).toString('base64url'),
    };
    const oauth2 = await planOAuth2(options, base.config, edgeURL, {
      url: `${edgeURL.replace(/\/+$/, '')}${revocation.path}`,
      secret: revocation.secret,
    });
    started.push({ name: 'oauth2 server', close: () => oauth2.close() });
    // Independent of each other (each takes seconds to open its embedded PostgreSQL): start both.
    const [identityResult, appResult] = await Promise.allSettled([
      phases.time('identity server', startIdentity(options, base.config, edgeURL, started)),
      phases.time('demo app', startApp(options, headerSecret, edgeURL, started)),
    ]);
    if (identityResult.status === 'rejected') throw identityResult.reason;
    if (appResult.status === 'rejected') throw appResult.reason;
    const identity = identityResult.value;
    const app = appResult.value;

    const step = progress.step('edge');
    const edgeRaw = mergeEdgeConfig(userRaw, {
      server: { host, port: edgePort, public_url: edgeURL },
      kratos: { public_url: identity.publicURL, admin_url: identity.adminURL },
      hydra: { public_url: oauth2.publicURL, admin_url: oauth2.adminURL },
      gateway: {
        upstream_url: app.url,
        header_secret: headerSecret,
        rules: demoRules(oauth2.adminURL !== undefined),
        ...(oauth2.embedded ? { revocation } : {}),
      },
      pages: { theme: { brand: 'Notes' } },
      // Lockouts and the audit log survive a restart of the stack (PGlite under the data dir).
      store: options.dataDir ? { directory: join(options.dataDir, 'edge-store') } : {},
      protection: {
        admin: { secret: localSecret(options.dataDir, 'protection_admin_secret').value },
      },
      // The mailbox shows recovery codes; its Host check stops DNS rebinding, not a client on the
      // network that sends `Host: localhost` itself.
      dev: { mailbox: !beyondLoopback },
    });
    const { config, warnings } = loadConfigObject(edgeRaw, { env: {} });
    for (const w of warnings) progress.line(`! ${w.key}: ${w.message} (${w.code})`);
    // The admin is seeded while the edge opens its store: both only need the identity server.
    const seeding = phases.time('admin seed', seed(options, identity.adminURL, identity.embedded));
    let running: RunningEdge;
    try {
      running = await phases.time(
        'edge',
        launchEdge(config, {
          host,
          port: edgePort,
          shutdownTimeoutMs: 2_000,
          logger: options.logger,
          ...(identity.mailSink ? { securityNotifier: createMailNotifier(identity.mailSink) } : {}),
          ...(options.captchaVerifier ? { captchaVerifier: options.captchaVerifier } : {}),
          ...(oauth2.embedded ? { oauth2Starting: () => oauth2.starting() } : {}),
        }),
      );
    } catch (err) {
      step.fail((err as Error).message);
      await seeding;
      throw err;
    }
    started.push({ name: 'edge', close: () => running.close() });
    step.done(`ready at ${edgeURL}`);
    if (options.dataDir) {
      writeStackFile(options.dataDir, {
        edge: edgeRaw,
        ...(identity.settings ? { kratos: identity.settings } : {}),
      });
    }

    const seeded = await seeding;
    progress.line(phases.summary());
    oauth2.start();
    const rp = await planRPDemo(options, oauth2, edgeURL);
    if (rp) started.push({ name: 'rp demo', close: () => rp.close() });
    return {
      edgeURL,
      appURL: app.url,
      kratosPublicURL: identity.publicURL,
      kratosAdminURL: identity.adminURL,
      embeddedIdentity: identity.embedded,
      hydraPublicURL: oauth2.publicURL,
      hydraAdminURL: oauth2.adminURL,
      embeddedOAuth2: oauth2.embedded,
      oauth2Ready: oauth2.ready,
      ...(rp ? { rp } : {}),
      admin: { ...options.admin, seeded },
      config,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startIdentity(
  options: StackOptions,
  config: Readonly<EdgeConfig>,
  edgeURL: string,
  started: Stoppable[],
) {
  if (config.kratos.public_url) {
    options.progress.line(
      `• using Kratos at ${config.kratos.public_url} (embedded identity server not started)`,
    );
    return {
      publicURL: config.kratos.public_url,
      adminURL: config.kratos.admin_url,
      embedded: false,
      settings: undefined,
      mailSink: undefined,
    };
  }
  const step = options.progress.step('identity server');
  try {
    const server = await startEmbeddedIdentity({
      host: options.host,
      publicPort: await resolvePort(options.host, options.ports.kratosPublic),
      adminPort: await resolvePort(options.host, options.ports.kratosAdmin),
      edgeURL,
      proxyPrefix: config.proxy.prefix,
      dataDir: options.dataDir && join(options.dataDir, 'identity'),
      logger: options.logger,
      ...options.identity,
      kratosOverrides: mergeOverrides(kratosSecrets(options), options.identity?.kratosOverrides),
    });
    started.push({ name: 'identity server', close: () => server.close() });
    step.done(`ready at ${server.publicURL} (admin ${server.adminURL})`);
    return {
      publicURL: server.publicURL,
      adminURL: server.adminURL as string | undefined,
      embedded: true,
      settings: server.settings as Record<string, unknown> | undefined,
      // Security notifications (password/email changed, account recovered) go through its courier.
      mailSink: server as MailSink | undefined,
    };
  } catch (err) {
    step.fail((err as Error).message);
    throw err;
  }
}

async function startApp(
  options: StackOptions,
  headerSecret: string,
  edgeURL: string,
  started: Stoppable[],
) {
  const step = options.progress.step('demo app');
  try {
    const { startDemoApp } = await loadDemoApp();
    const app = await startDemoApp({
      host: options.host,
      port: await resolvePort(options.host, options.ports.app),
      headerSecret,
      publicURL: edgeURL,
      dataDir: options.dataDir && join(options.dataDir, 'demo-app'),
      logger: options.logger,
    });
    started.push({ name: 'demo app', close: () => app.close() });
    step.done(`ready at ${app.url} (reach it through the edge)`);
    return app;
  } catch (err) {
    step.fail((err as Error).message);
    throw err;
  }
}

async function seed(
  options: StackOptions,
  adminURL: string | undefined,
  embedded: boolean,
): Promise<'created' | 'exists' | 'skipped'> {
  if (!adminURL) {
    options.progress.line('• no kratos.admin_url configured: the admin account was not seeded');
    return 'skipped';
  }
  if (!embedded && !options.seedRealKratos) {
    options.progress.line(
      '• a Kratos given by URL is not seeded with the demo admin (pass --seed-admin to create it)',
    );
    return 'skipped';
  }
  const step = options.progress.step('admin account', 'seeding');
  try {
    const result = await seedAdmin(adminURL, options.admin);
    step.done(
      result === 'created'
        ? `created (${options.admin.email})`
        : `already present (${options.admin.email})`,
    );
    return result;
  } catch (err) {
    // The demo works without it; say so instead of taking the whole stack down.
    step.fail(`${(err as Error).message} (continuing without an admin account)`);
    return 'skipped';
  }
}

/** Kratos's cookie and cipher secrets: the shipped quickstart constants on loopback only. */
function kratosSecrets(options: StackOptions): ConfigOverrides {
  if (!listensBeyondLoopback(options.host)) return {};
  const cookie = localSecret(options.dataDir, 'kratos_cookie').value;
  const cipher = localSecret(options.dataDir, 'kratos_cipher').value;
  return { secrets: { cookie: [cookie], cipher: [cipher] } };
}

/** The caller's overrides (tests) win over the generated secrets. */
function mergeOverrides(generated: ConfigOverrides, given?: ConfigOverrides): ConfigOverrides {
  return { ...generated, ...given };
}

/** The user's file wins, except for what `up` must decide itself (where things listen). */
function mergeEdgeConfig(
  user: Record<string, unknown>,
  derived: Record<string, Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...user };
  for (const [section, values] of Object.entries(derived)) {
    const current = (out[section] ?? {}) as Record<string, unknown>;
    const merged: Record<string, unknown> = { ...values, ...current };
    if (section === 'server') Object.assign(merged, values);
    if (section === 'gateway' && Array.isArray(current.rules) && current.rules.length === 0)
      merged.rules = values.rules;
    out[section] = merged;
  }
  return out;
}

/**
 * The demo app is an optional peer (a worked example, not a dependency): loaded only here, so
 * `vestibule serve` never needs it, and missing it is a clear message rather than a stack trace.
 */
async function loadDemoApp(): Promise<typeof DemoApp> {
  try {
    return await import('@vestibule/demo-app');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(
      'the demo app (@vestibule/demo-app) is not installed: run `vestibule up` from a Vestibule checkout, or put the edge in front of your own app with `vestibule serve`',
      { cause: err },
    );
  }
}
