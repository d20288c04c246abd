// The embedded Kratos-compatible identity server for `vestibule up` and the browser tests: Kratos's
// own config keys, with every UI URL on the edge (the browser never sees Kratos's ports) and its
// data under the stack's data dir. `serve.public.base_url` is the edge's same-origin proxy
// (`<edge>/api/ory/`), as a real Kratos behind Vestibule is configured: the URLs Kratos writes where
// the proxy cannot rewrite them — links in recovery and verification emails — must reach the browser
// on the edge's origin, never on the identity server's port. The server still listens on its own
// port; the proxy sends to that, and leaves URLs already on the edge untouched.
import { existsSync, mkdirSync } from 'node:fs';
import type { Clock, ConfigOverrides, ExternalMail } from '@vestibule/identity-server';
import { listensBeyondLoopback } from 'vestibule/config';
import type { Logger } from 'vestibule/edge';

export interface EmbeddedIdentityOptions {
  host: string;
  publicPort: number;
  adminPort: number;
  /** The edge's public URL: login/registration/… UI URLs and return URLs live there. */
  edgeURL: string;
  /** Where the edge mounts the same-origin proxy (`proxy.prefix`). Default `/api/ory`. */
  proxyPrefix?: string;
  /** PGlite directory; in memory when unset. */
  dataDir?: string;
  logger: Logger;
  /** bcrypt cost (Kratos default 12; tests use 4 for speed). */
  bcryptCost?: number;
  /** Any other kratos.yml keys, deep-merged last (e.g. a short login flow lifespan). */
  kratosOverrides?: ConfigOverrides;
  clock?: Clock;
  /** Called right before it listens (the stack frees the ports it held since planning). */
  beforeListen?: () => Promise<void>;
  /**
   * The admin password the stack will seed: on a new database (no identity can exist yet) it is
   * hashed with the server's hasher while the server opens its database (bcrypt cost 12 is about
   * 0.3 s on a thread of its own), so the seed need not wait for a hash after the server answers.
   */
  seedPassword?: string;
}

export interface EmbeddedIdentity {
  publicURL: string;
  adminURL: string;
  /**
   * Queues a mail through the identity server's courier (shown at /dev/mailbox): the sink for the
   * edge's security notifications, `createMailNotifier(identity)` from `vestibule/notifications`.
   */
  queueMail(mail: ExternalMail): Promise<void>;
  /** The kratos.yml keys it runs with (development defaults merged with ours), for stack.json. */
  settings: ConfigOverrides;
  /** `seedPassword` hashed as the server hashes, when its database was new. */
  seedPasswordHash?: Promise<string>;
  close(): Promise<void>;
}

/** The admin API creates admins and shows recovery codes: loopback only, whatever --host says
 * (Kratos's admin port is never meant to face the network). */
function adminHostFor(host: string): string {
  return listensBeyondLoopback(host) ? '127.0.0.1' : host;
}

/**
 * Where it will answer (ports resolved, not 0), known before it starts: the stack configures the
 * edge with these and starts both side by side.
 */
export function embeddedIdentityURLs(
  o: Pick<EmbeddedIdentityOptions, 'host' | 'publicPort' | 'adminPort'>,
): { publicURL: string; adminURL: string } {
  return {
    publicURL: `http://${hostInURL(o.host)}:${o.publicPort}`,
    adminURL: `http://${hostInURL(adminHostFor(o.host))}:${o.adminPort}`,
  };
}

export function embeddedKratosConfig(o: EmbeddedIdentityOptions): ConfigOverrides {
  const edge = o.edgeURL.replace(/\/+$/, '');
  const prefix = (o.proxyPrefix ?? '/api/ory').replace(/\/+$/, '');
  const adminHost = adminHostFor(o.host);
  return {
    dsn: o.dataDir ?? 'memory',
    serve: {
      public: {
        base_url: `${edge}${prefix}/`,
        host: o.host,
        port: o.publicPort,
      },
      admin: {
        base_url: `http://${hostInURL(adminHost)}:${o.adminPort}/`,
        host: adminHost,
        port: o.adminPort,
      },
    },
    selfservice: {
      default_browser_return_url: `${edge}/`,
      allowed_return_urls: [`${edge}/`],
      flows: {
        login: { ui_url: `${edge}/login` },
        registration: { ui_url: `${edge}/registration` },
        recovery: { ui_url: `${edge}/recovery` },
        verification: { ui_url: `${edge}/verification` },
        settings: { ui_url: `${edge}/settings` },
        logout: { after: { default_browser_return_url: `${edge}/` } },
        error: { ui_url: `${edge}/error` },
      },
      // Kratos's breached-password check, on as Kratos ships it; offline, the password is accepted
      // (the identity server's own list of common passwords still refuses the worst ones).
      methods: {
        password: { config: { haveibeenpwned_enabled: true, ignore_network_errors: true } },
      },
    },
    // No SMTP URI = the identity server's in-process dev mailbox: recovery/verification mail is
    // kept and shown at the edge's /dev/mailbox instead of retrying a mail server that is not there.
    courier: { smtp: { connection_uri: '' } },
    ...(o.bcryptCost ? { hashers: { bcrypt: { cost: o.bcryptCost } } } : {}),
  };
}

export async function startEmbeddedIdentity(o: EmbeddedIdentityOptions): Promise<EmbeddedIdentity> {
  // Loaded only when needed: `vestibule serve` in front of a real Kratos never loads it.
  const { createIdentityServer, defaultConfig, devConfigObject, hashPassword } =
    await import('@vestibule/identity-server');
  const newDatabase = !o.dataDir || !existsSync(o.dataDir);
  if (o.dataDir) mkdirSync(o.dataDir, { recursive: true });
  const overrides = mergeDeep(embeddedKratosConfig(o), o.kratosOverrides ?? {});
  const config = defaultConfig(overrides);
  const seedPasswordHash =
    newDatabase && o.seedPassword !== undefined
      ? hashPassword(config.hashers, o.seedPassword)
      : undefined;
  // Whoever reads it sees a failure (the seed then sends the password); never unhandled.
  seedPasswordHash?.catch(() => undefined);
  const log = o.logger.child({ component: 'identity-server' });
  const server = await createIdentityServer({
    config,
    dev: true,
    // Its log lines join the stack's logger (same JSON shape, same level filter).
    log: (level, msg, fields) => log[level](msg, fields),
    ...(o.clock ? { clock: o.clock } : {}),
  });
  try {
    await o.beforeListen?.();
    const listening = await server.listen();
    return {
      publicURL: listening.publicURL,
      adminURL: listening.adminURL,
      queueMail: (mail) => server.queueMail(mail),
      settings: mergeDeep(devConfigObject() as ConfigOverrides, overrides),
      ...(seedPasswordHash ? { seedPasswordHash } : {}),
      close: () => server.close(),
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}

function hostInURL(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Objects merge key by key; anything else (lists included) is replaced, as Kratos config layering does. */
function mergeDeep(base: ConfigOverrides, over: ConfigOverrides): ConfigOverrides {
  const out: ConfigOverrides = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeDeep(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is ConfigOverrides {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
