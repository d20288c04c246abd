// `vestibule/edge`: the edge as one process in front of an app — the same-origin proxy to Kratos,
// the self-service pages and the gateway, assembled from a validated `vestibule.yml`.

/**
 * Build the parts from a config, listen, and get a handle to close it (what `vestibule serve` does).
 *
 * @example
 * ```ts
 * import { loadConfigFile } from 'vestibule/config';
 * import { launchEdge, createLogger } from 'vestibule/edge';
 * const { config } = loadConfigFile('vestibule.yml');
 * const edge = await launchEdge(config, { host: '127.0.0.1', port: 4000, logger: createLogger() });
 * console.log(`edge on ${edge.url}`);
 * await edge.close();
 * ```
 */
export { launchEdge, startEdge } from './start-edge.ts';
export type { LaunchEdgeOptions, RunningEdge, StartEdgeOptions } from './start-edge.ts';
/**
 * The edge as a Web `fetch` handler, for hosting it inside another server.
 *
 * @example
 * ```ts
 * import { buildEdgeParts, createEdge } from 'vestibule/edge';
 * const edge = createEdge(config, { parts: await buildEdgeParts(config, { logger }), logger });
 * const response = await edge.fetch(request);
 * ```
 */
export { createEdge } from './create-edge.ts';
export type { Edge, EdgeOptions } from './create-edge.ts';
export { buildEdgeParts } from './parts.ts';
export type { PartsOptions } from './parts.ts';
export type {
  EdgeHandler,
  EdgeMount,
  EdgeParts,
  EdgeRequestContext,
  GatewayPart,
} from './types.ts';
/**
 * The dev mailbox page (`/dev/mailbox`): recovery and verification codes from Kratos's courier.
 *
 * @example
 * ```ts
 * import { createDevMailbox } from 'vestibule/edge';
 * const mailbox = createDevMailbox({ kratosAdminURL: 'http://127.0.0.1:4434', publicURL });
 * ```
 */
export { createDevMailbox } from '../dev/index.ts';
export type { DevMailboxHandler, DevMailboxOptions } from '../dev/index.ts';
/**
 * Login protection (issue 12): the edge store, the counters and the audit log, for tools that read
 * them without a running edge (`vestibule lockout`, `vestibule audit`), and the seams a deployment
 * plugs in (`captchaVerifier`, `securityNotifier` in the launch options).
 *
 * @example
 * ```ts
 * import { openEdgeStore, protectionState, storeLocation } from 'vestibule/edge';
 * const store = await openEdgeStore(storeLocation(config));
 * const { lockouts } = await protectionState(store, config, logger, Date.now);
 * console.log(await lockouts.list());
 * await store.close();
 * ```
 */
// From the files themselves, not the protection barrel: the store's driver and the counters load
// only when a store is opened (protection/setup.ts).
export { openEdgeStore, protectionState, storeLocation } from '../protection/setup.ts';
export { AUDIT_EVENTS } from '../protection/audit.ts';
export { CAPTCHA_HEADER } from '../protection/captcha-step.ts';
export type {
  AuditEventName,
  AuditRecord,
  LockoutEntry,
  ProtectionState,
  SecurityNotice,
  SecurityNotifier,
  CaptchaOutcome,
  CaptchaProvider,
  CaptchaVerifier,
  EdgeStore,
} from '../protection/index.ts';
/** The edge's JSON logger. @example `const logger = createLogger({ level: 'info' });` */
export { createLogger } from '../lib/logger.ts';
/** Writes the default logger's queued lines now. @example `await running.close(); flushLogs();` */
export { flushLogs } from '../lib/logger.ts';
/**
 * A createLogger() logger's level, read and changed at run time (children follow; the change is logged).
 * @example `setLogLevel(logger, 'debug', { signal: 'SIGUSR2' }); logLevelOf(logger); // 'debug'`
 */
export { logLevelOf, setLogLevel } from '../lib/logger.ts';
export type { Logger, LogLevel } from '../lib/logger.ts';
