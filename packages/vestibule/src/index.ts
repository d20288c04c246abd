// Public API of `vestibule`. One folder per capability; this file only re-exports.

// The app library: getUser / requireUser / requireRole, signed identity headers.
export * from './app/index.ts';
// Sessions (whoami client, cache) shared by the gateway and direct mode.
export * from './session/index.ts';
// The same-origin Kratos proxy (mountable in any app at /api/ory/*).
export * from './proxy/index.ts';
// The server-rendered self-service pages.
export * from './pages/index.ts';
// The identity-aware gateway and its access rules (incl. Oathkeeper rule import).
export * from './gateway/index.ts';
// JIT provisioning: ensureUser() profiles in PGlite or PostgreSQL.
export * from './provisioning/index.ts';
// Framework adapters (type-only imports of the frameworks: nothing is loaded you do not use).
export * from './adapters/index.ts';
// The dev mailbox page.
export * from './dev/index.ts';
// The edge: config, assembly, Node server.
export * from './config/index.ts';
export { createEdge, type Edge, type EdgeOptions } from './edge/create-edge.ts';
export { startEdge, type RunningEdge, type StartEdgeOptions } from './edge/start-edge.ts';
export { buildEdgeParts, type PartsOptions } from './edge/parts.ts';
export type {
  EdgeParts,
  EdgeHandler,
  EdgeMount,
  EdgeRequestContext,
  GatewayPart,
} from './edge/types.ts';
// Errors and logging, for callers that want the same codes and log lines.
export { VestibuleError, ConfigError } from './lib/errors.ts';
export { createLogger, type Logger, type LogLevel } from './lib/logger.ts';
