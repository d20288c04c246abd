// The parts `startStack` starts side by side — the embedded identity server, the demo app, the
// edge — and the admin seed after the identity server. Each says on the progress line when it is
// ready or failed, and registers itself to be stopped.
import { join } from 'node:path';
import type { EdgeConfig } from 'vestibule/config';
import { listensBeyondLoopback } from 'vestibule/config';
import { launchEdge, type Logger, type RunningEdge } from 'vestibule/edge';
import type { CaptchaVerifier } from 'vestibule/captcha';
import { createMailNotifier, type MailSink } from 'vestibule/notifications';
import type * as DemoApp from '@vestibule/demo-app';
import type { ConfigOverrides } from '@vestibule/identity-server';
import {
  embeddedIdentityURLs,
  startEmbeddedIdentity,
  type EmbeddedIdentityOptions,
} from './embedded-identity.ts';
import type { Progress } from '../terminal/progress.ts';
import { reservePort } from './ports.ts';
import { seedAdmin, type AdminAccount } from './seed-admin.ts';
import { localSecret } from './local-secrets.ts';

/** What the parts read of the stack's options (no import of stack.ts, which imports this). */
export interface PartsOptions {
  host: string;
  ports: { kratosPublic: number; kratosAdmin: number };
  dataDir?: string;
  admin: AdminAccount;
  seedRealKratos?: boolean;
  captchaVerifier?: CaptchaVerifier;
  identity?: Pick<EmbeddedIdentityOptions, 'bcryptCost' | 'kratosOverrides' | 'clock'>;
  progress: Progress;
  logger: Logger;
}

export interface Stoppable {
  name: string;
  close(): Promise<void>;
}

/** The identity server's URLs before it starts: the embedded one's (ports resolved) or Kratos's. */
export interface IdentityPlan {
  embedded: boolean;
  publicURL: string;
  adminURL: string | undefined;
  publicPort: number;
  adminPort: number;
  /** Frees the planned ports (held since planning) for the identity server to listen on. */
  releasePorts(): Promise<void>;
}

export async function planIdentity(
  options: PartsOptions,
  config: Readonly<EdgeConfig>,
): Promise<IdentityPlan> {
  if (config.kratos.public_url) {
    return {
      embedded: false,
      publicURL: config.kratos.public_url,
      adminURL: config.kratos.admin_url,
      publicPort: 0,
      adminPort: 0,
      releasePorts: async () => {},
    };
  }
  const publicPort = await reservePort(options.host, options.ports.kratosPublic);
  const adminPort = await reservePort(options.host, options.ports.kratosAdmin);
  return {
    embedded: true,
    ...embeddedIdentityURLs({
      host: options.host,
      publicPort: publicPort.port,
      adminPort: adminPort.port,
    }),
    publicPort: publicPort.port,
    adminPort: adminPort.port,
    releasePorts: async () => {
      await Promise.all([publicPort.release(), adminPort.release()]);
    },
  };
}

export async function startIdentity(
  options: PartsOptions,
  config: Readonly<EdgeConfig>,
  plan: IdentityPlan,
  edgeURL: string,
  started: Stoppable[],
) {
  if (!plan.embedded) {
    options.progress.line(
      `• using Kratos at ${plan.publicURL} (embedded identity server not started)`,
    );
    return {
      publicURL: plan.publicURL,
      adminURL: plan.adminURL,
      embedded: false,
      settings: undefined,
      mailSink: undefined,
      seedPasswordHash: undefined,
    };
  }
  const step = options.progress.step('identity server');
  try {
    const server = await startEmbeddedIdentity({
      host: options.host,
      publicPort: plan.publicPort,
      adminPort: plan.adminPort,
      beforeListen: plan.releasePorts,
      seedPassword: options.admin.password,
      edgeURL,
      proxyPrefix: config.proxy.prefix,
      dataDir: options.dataDir && join(options.dataDir, 'identity'),
      logger: options.logger,
      ...options.identity,
      kratosOverrides: mergeOverrides(kratosSecrets(options), options.identity?.kratosOverrides),
    });
    started.push({ name: 'identity server', close: () => server.close() });
    // The edge was configured with the planned URLs before the server listened.
    if (server.publicURL !== plan.publicURL || server.adminURL !== plan.adminURL)
      throw new Error(
        `the identity server listens at ${server.publicURL} (admin ${server.adminURL}), not at ${plan.publicURL} (admin ${plan.adminURL}) where the edge expects it`,
      );
    step.done(`ready at ${server.publicURL} (admin ${server.adminURL})`);
    return {
      publicURL: server.publicURL,
      adminURL: server.adminURL as string | undefined,
      embedded: true,
      settings: server.settings as Record<string, unknown> | undefined,
      // Security notifications (password/email changed, account recovered) go through its courier.
      mailSink: server as MailSink | undefined,
      seedPasswordHash: server.seedPasswordHash,
    };
  } catch (err) {
    await plan.releasePorts();
    step.fail((err as Error).message);
    throw err;
  }
}

export async function startApp(
  options: PartsOptions,
  headerSecret: string,
  port: number,
  edgeURL: string,
  started: Stoppable[],
  openDatabaseAfter: Promise<unknown>,
) {
  const step = options.progress.step('demo app');
  try {
    const { startDemoApp } = await loadDemoApp();
    const app = await startDemoApp({
      host: options.host,
      port,
      headerSecret,
      publicURL: edgeURL,
      dataDir: options.dataDir && join(options.dataDir, 'demo-app'),
      logger: options.logger,
      openDatabaseAfter,
    });
    started.push({ name: 'demo app', close: () => app.close() });
    // It answers now; its database opens once the stack is up (or at the first request): a
    // failure then comes after the ready line, so it is said on its own line.
    app.databaseReady.catch((err: unknown) =>
      options.progress.line(
        `✗ demo app database failed to open: ${(err as Error).message} (its pages answer 500)`,
      ),
    );
    step.done(`ready at ${app.url} (reach it through the edge)`);
    return app;
  } catch (err) {
    step.fail((err as Error).message);
    throw err;
  }
}

export async function startEdgePart(
  options: PartsOptions,
  config: Readonly<EdgeConfig>,
  edgeURL: string,
  started: Stoppable[],
  extra: { mailSink?: MailSink; oauth2Starting?: () => boolean },
): Promise<RunningEdge> {
  const step = options.progress.step('edge');
  try {
    const running = await launchEdge(config, {
      host: options.host,
      port: config.server.port,
      shutdownTimeoutMs: 2_000,
      logger: options.logger,
      ...(extra.mailSink ? { securityNotifier: createMailNotifier(extra.mailSink) } : {}),
      ...(options.captchaVerifier ? { captchaVerifier: options.captchaVerifier } : {}),
      ...(extra.oauth2Starting ? { oauth2Starting: extra.oauth2Starting } : {}),
    });
    started.push({ name: 'edge', close: () => running.close() });
    step.done(`ready at ${edgeURL}`);
    return running;
  } catch (err) {
    step.fail((err as Error).message);
    throw err;
  }
}

export async function seed(
  options: PartsOptions,
  adminURL: string | undefined,
  embedded: boolean,
  passwordHash?: Promise<string>,
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
    // The embedded server shares this thread with parts still starting (a PGlite template being
    // built blocks it for seconds on a loaded machine): a slow answer there is this process being
    // busy, not a Kratos that hangs, so it gets a longer deadline.
    const result = await seedAdmin(
      adminURL,
      options.admin,
      embedded ? EMBEDDED_SEED_TIMEOUT_MS : undefined,
      // Made while the server started; a failed hash leaves the server to hash the password.
      await passwordHash?.catch(() => undefined),
    );
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

const EMBEDDED_SEED_TIMEOUT_MS = 120_000;

export function hostInURL(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Kratos's cookie and cipher secrets: the shipped quickstart constants on loopback only. */
function kratosSecrets(options: PartsOptions): ConfigOverrides {
  if (!listensBeyondLoopback(options.host)) return {};
  const cookie = localSecret(options.dataDir, 'kratos_cookie').value;
  const cipher = localSecret(options.dataDir, 'kratos_cipher').value;
  return { secrets: { cookie: [cookie], cipher: [cipher] } };
}

/** The caller's overrides (tests) win over the generated secrets. */
function mergeOverrides(generated: ConfigOverrides, given?: ConfigOverrides): ConfigOverrides {
  return { ...generated, ...given };
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
