// Login protection from vestibule.yml: opens the edge store, builds the counters, the audit log and
// the submit pipeline, the admin endpoint when a secret is configured, and prunes in the background.
//
// The store and everything that reads it (Kysely, PGlite, pg, the counters, the audit log) are
// loaded with the store, from state.ts: an edge whose embedded store never opens never holds those
// modules in memory (issue 15: ~25 MB of RSS).
import type { CaptchaVerifier } from '../captcha/verifier.ts';
import type { EdgeConfig } from '../config/index.ts';
import { ConfigError } from '../lib/errors.ts';
import { lazyModule } from '../lib/lazy-module.ts';
import type { Logger } from '../lib/logger.ts';
import type { EdgeStore } from '../store/index.ts';
import { parseStoreTarget } from '../store/target.ts';
import { createProtectionAdmin, type AdminEndpoint } from './admin.ts';
import type { AttemptRule } from './attempts.ts';
import type { LockoutAdmin } from './lockouts.ts';
import type { SecurityNotifier } from './notifier.ts';
import type {
  CaptchaSettings,
  ProtectionRules,
  SignedInIdentity,
  SubmitHandler,
  ThrottleRules,
} from './options.ts';
import { isSelfService, submitOf } from './submit.ts';
import { createSubmitProtection, type SubmitProtection } from './pipeline.ts';
import type { ProtectionState } from './state.ts';

export type { ProtectionState } from './state.ts';

const PRUNE_EVERY_MS = 60 * 60_000;

export interface LoginProtectionOptions {
  logger: Logger;
  now?: (() => number) | undefined;
  /** Security notices after a password or email change or a recovery (the courier's sender). */
  securityNotifier?: SecurityNotifier | undefined;
  /** Verifies captcha tokens for `protection.captcha.provider`; required when captcha is on. */
  captchaVerifier?: CaptchaVerifier | undefined;
  identityOf?: ((headers: Headers) => Promise<SignedInIdentity | undefined>) | undefined;
  /**
   * The edge store, when the edge opened it already (PostgreSQL: shared with the session bus and
   * rate limiters); its opener closes it. Otherwise the store named by the config is opened here.
   */
  store?: EdgeStore | undefined;
}

export interface LoginProtection extends SubmitProtection {
  /** The store, counters and audit log (an embedded store is opened here on first use). */
  state(): Promise<ProtectionState>;
  /** Starts opening an embedded store in the background (a self-service page precedes its submit). */
  warm(): void;
  /** Whether the store is open or opening: an embedded one waits for self-service traffic. */
  readonly opened: boolean;
  admin: AdminEndpoint | undefined;
  /** Deletes expired audit events and idle counters (also run hourly in the background). */
  prune(): Promise<void>;
  close(): Promise<void>;
}

/** The store named by `store.url`, else PGlite in `store.directory`, else PGlite in memory. */
export function storeLocation(config: Readonly<EdgeConfig>): string {
  return (
    config.store.url ?? (config.store.directory ? `pglite:${config.store.directory}` : 'memory')
  );
}

/** The state module (the store's driver and its readers), loaded once on first use. */
const loadState = lazyModule('the edge store', () => import('./state.ts'));

/** Opens the edge store at a location (`memory`, `pglite:<dir>`, `postgres://…`). */
export async function openEdgeStore(location: string): Promise<EdgeStore> {
  return (await loadState()).openStore(location);
}

/** Counters and audit log over an open store (the CLI uses this without an edge). */
export async function protectionState(
  store: EdgeStore,
  config: Readonly<EdgeConfig>,
  logger: Logger,
  now: () => number,
): Promise<ProtectionState> {
  return (await loadState()).protectionState(store, config, logger, now);
}

/**
 * A PostgreSQL store (a URL, or the store the edge opened already) opens before the edge listens: a
 * wrong URL stops the edge there. An embedded one (PGlite, in memory or a directory) opens on first
 * use: it is ~100 MB of the edge's memory (bench/memory.bench.ts), which an edge serving only
 * gateway traffic never needs. The first self-service request (a page, a flow read through the
 * proxy) starts it in the background, so the submit that follows finds it open rather than waiting
 * for it; a failed opening is tried again by the next request that needs it.
 */
export async function openLoginProtection(
  config: Readonly<EdgeConfig>,
  options: LoginProtectionOptions,
): Promise<LoginProtection> {
  const now = options.now ?? Date.now;
  const captcha = captchaSettings(config, options.captchaVerifier);
  const logger = options.logger.child({ component: 'protection' });
  const location = storeLocation(config);
  let opening: Promise<ProtectionState & { pipeline: SubmitProtection }> | undefined;
  const open = () =>
    (opening ??= (async () => {
      const store = options.store ?? (await openEdgeStore(location));
      try {
        const state = await protectionState(store, config, logger, now);
        const pipeline = createSubmitProtection({
          prefix: config.proxy.prefix,
          counters: state.counters,
          audit: state.audit,
          rules: rulesOf(config),
          maxBodyBytes: config.proxy.max_body_bytes,
          sessionCookie: config.gateway.session_cookie_name,
          pageURL: (flow, flowId) =>
            `/${flow}${flowId ? `?flow=${encodeURIComponent(flowId)}` : ''}`,
          secureCookies: config.server.public_url.startsWith('https://'),
          trustProxy: config.server.trust_proxy,
          captcha,
          identityOf: options.identityOf,
          notifier: options.securityNotifier,
          secondFactors: state.secondFactors,
          logger,
          now,
        });
        return { ...state, pipeline };
      } catch (err) {
        if (!options.store) await store.close().catch(() => {});
        throw err;
      }
    })().catch((err: unknown) => {
      opening = undefined;
      throw err;
    }));
  const embedded = !options.store && parseStoreTarget(location).kind !== 'url';
  if (!embedded) await open();
  const warm = () => {
    if (opening) return;
    open().catch((err: unknown) => logger.error('the edge store did not open', { err }));
  };
  const idleMs = 2 * config.protection.login.identifier.max_lock;
  const prune = async () => {
    if (!opening) return;
    const { audit, counters, secondFactors } = await open();
    const removed = await audit.prune(config.audit.retention);
    await counters.prune(idleMs);
    await secondFactors.prune();
    if (removed > 0) logger.info('audit events pruned', { removed });
  };
  const timer = setInterval(
    () => void prune().catch((err: unknown) => logger.warn('pruning failed', { err })),
    PRUNE_EVERY_MS,
  );
  timer.unref();
  const lockouts: LockoutAdmin = {
    list: async () => (await open()).lockouts.list(),
    clear: async (value, requestId) => (await open()).lockouts.clear(value, requestId),
    audit: async (query) => (await open()).lockouts.audit(query),
  };
  return {
    wrap(proxy) {
      let wrapped: SubmitHandler | undefined;
      return async (request, context) => {
        if (!submitOf(request, config.proxy.prefix)) {
          if (isSelfService(request, config.proxy.prefix)) warm();
          return proxy(request, context);
        }
        wrapped ??= (await open()).pipeline.wrap(proxy);
        return wrapped(request, context);
      };
    },
    state: open,
    warm,
    get opened() {
      return opening !== undefined;
    },
    admin: config.protection.admin
      ? createProtectionAdmin(config.protection.admin, lockouts)
      : undefined,
    prune,
    close: async () => {
      clearInterval(timer);
      const state = await opening?.catch(() => undefined);
      await state?.audit.flush();
      if (!options.store) await state?.store.close();
    },
  };
}

function captchaSettings(
  config: Readonly<EdgeConfig>,
  verifier: CaptchaVerifier | undefined,
): CaptchaSettings | undefined {
  const c = config.protection.captcha;
  if (!c) return undefined;
  if (!verifier)
    throw new ConfigError('protection.captcha', `no verifier for provider "${c.provider}"`);
  if (verifier.provider !== c.provider) {
    throw new ConfigError(
      'protection.captcha.provider',
      `the verifier is for "${verifier.provider}"`,
    );
  }
  return {
    verifier,
    registration: c.registration,
    recovery: c.recovery,
    login: typeof c.login === 'string' ? c.login : { afterFailures: c.login.after_failures },
  };
}

type AttemptConfig = { max_failures: number; window: number; lock: number; max_lock: number };
type RateConfig = { max: number; window: number };

const attempt = (r: AttemptConfig): AttemptRule => ({
  maxFailures: r.max_failures,
  windowMs: r.window,
  lockMs: r.lock,
  maxLockMs: Math.max(r.lock, r.max_lock),
});
const rate = (r: RateConfig): AttemptRule => ({
  maxFailures: r.max,
  windowMs: r.window,
  lockMs: 0,
  maxLockMs: 0,
});
const throttles = (
  t: Record<
    'send_per_identifier' | 'send_per_address' | 'code_per_flow' | 'code_per_address',
    RateConfig
  >,
): ThrottleRules => ({
  sendPerIdentifier: rate(t.send_per_identifier),
  sendPerAddress: rate(t.send_per_address),
  codePerFlow: rate(t.code_per_flow),
  codePerAddress: rate(t.code_per_address),
});

export function rulesOf(config: Readonly<EdgeConfig>): ProtectionRules {
  const p = config.protection;
  return {
    login: { identifier: attempt(p.login.identifier), address: attempt(p.login.address) },
    recovery: throttles(p.recovery),
    verification: throttles(p.verification),
  };
}
