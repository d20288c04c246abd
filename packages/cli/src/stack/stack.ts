// The whole demo stack in one process: the embedded identity server (unless Kratos URLs are
// configured), the notes demo app and the edge in front of it. `vestibule up` runs it with progress
// output; the browser tests run it on free ports. Stops in reverse order.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { EdgeConfig, EdgeConfigInput } from 'vestibule/config';
import { applyEnvOverrides, listensBeyondLoopback, loadConfigObject } from 'vestibule/config';
import type { CaptchaVerifier } from 'vestibule/captcha';
import type { Logger } from 'vestibule/edge';
import type { EmbeddedIdentityOptions } from './embedded-identity.ts';
import { planOAuth2 } from './oauth2-part.ts';
import { demoRules } from './demo-rules.ts';
import { planRPDemo } from './rp-part.ts';
import type { Progress } from '../terminal/progress.ts';
import { resolvePort } from './ports.ts';
import type { AdminAccount } from './seed-admin.ts';
import { localSecret } from './local-secrets.ts';
import { writeStackFile } from './stack-file.ts';
import { startupPhases } from './phases.ts';
import {
  hostInURL,
  planIdentity,
  seed,
  startApp,
  startEdgePart,
  startIdentity,
  type Stoppable,
} from './stack-parts.ts';

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

    // Every URL is known before anything starts (ports resolved up front), so the identity server,
    // the demo app and the edge start side by side: the edge needs nothing of the other two until a
    // request comes, and "Vestibule is up" waits for all three anyway.
    const identityPlan = await planIdentity(options, base.config);
    const appPort = await resolvePort(host, options.ports.app);
    const appURL = `http://${hostInURL(host)}:${appPort}`;
    const edgeRaw = mergeEdgeConfig(userRaw, {
      server: { host, port: edgePort, public_url: edgeURL },
      kratos: { public_url: identityPlan.publicURL, admin_url: identityPlan.adminURL },
      hydra: { public_url: oauth2.publicURL, admin_url: oauth2.adminURL },
      gateway: {
        upstream_url: appURL,
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

    const identityStarting = phases.time(
      'identity server',
      startIdentity(options, base.config, identityPlan, edgeURL, started),
    );
    // The demo app listens now and opens its database once the stack is up (requests before that
    // wait for it): on this one thread the identity server's database and the edge come first.
    let stackIsUp!: () => void;
    const upSignal = new Promise<void>((resolve) => (stackIsUp = resolve));
    const appStarting = phases.time(
      'demo app',
      startApp(options, headerSecret, appPort, edgeURL, started, upSignal),
    );
    const edgeStarting = phases.time(
      'edge',
      startEdgePart(options, config, edgeURL, started, {
        // Security notices go through the identity server's courier once it is up.
        ...(identityPlan.embedded
          ? {
              mailSink: {
                queueMail: async (mail) => (await identityStarting).mailSink!.queueMail(mail),
              },
            }
          : {}),
        ...(oauth2.embedded ? { oauth2Starting: () => oauth2.starting() } : {}),
      }),
    );
    // The admin is seeded as soon as the identity server answers, while the others finish.
    const seeding = identityStarting.then(
      (identity) =>
        phases.time(
          'admin seed',
          seed(options, identity.adminURL, identity.embedded, identity.seedPasswordHash),
        ),
      () => 'skipped' as const,
    );
    const results = await Promise.allSettled([
      identityStarting,
      appStarting,
      edgeStarting,
      seeding,
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const identity = await identityStarting;
    const seeded = await seeding;
    if (options.dataDir) {
      writeStackFile(options.dataDir, {
        edge: edgeRaw,
        ...(identity.settings ? { kratos: identity.settings } : {}),
      });
    }
    progress.line(phases.summary());
    stackIsUp();
    oauth2.start();
    const rp = await planRPDemo(options, oauth2, edgeURL);
    if (rp) started.push({ name: 'rp demo', close: () => rp.close() });
    return {
      edgeURL,
      appURL,
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
