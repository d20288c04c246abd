// The login protection's state over an open edge store: the counters, the second-factor budget, the
// audit log and the lockout admin. Loaded by setup.ts when the store opens, with the store's driver
// (Kysely, PGlite or pg): those modules stay out of an edge that never opens its embedded store.
import { randomBytes } from 'node:crypto';
import type { EdgeConfig } from '../config/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { EdgeStore } from '../store/index.ts';
import type { AttemptCounters } from './attempts.ts';
import { AuditLog } from './audit.ts';
import { InProcessAttemptCounters } from './in-process-attempts.ts';
import { createLockoutAdmin, type LockoutAdmin } from './lockouts.ts';
import { SecondFactorSessions } from './second-factor-sessions.ts';
import { SharedAttemptCounters } from './shared-attempts.ts';

export interface ProtectionState {
  store: EdgeStore;
  counters: AttemptCounters;
  secondFactors: SecondFactorSessions;
  audit: AuditLog;
  lockouts: LockoutAdmin;
}

export { openEdgeStore as openStore } from '../store/index.ts';

/** Counters and audit log over an open store (the CLI uses this without an edge). */
export async function protectionState(
  store: EdgeStore,
  config: Readonly<EdgeConfig>,
  logger: Logger,
  now: () => number,
): Promise<ProtectionState> {
  const counters = countersFor(store, now);
  // Every edge on one store must hash identifiers alike, or `audit query` would miss events.
  const hashKey =
    config.audit.hash_secret ??
    (await store.sharedValue('audit_hash_key', () => randomBytes(32).toString('base64url')));
  const audit = new AuditLog(store.db, logger, hashKey, now);
  return {
    store,
    counters,
    secondFactors: new SecondFactorSessions(store.db, now),
    audit,
    lockouts: createLockoutAdmin(counters, audit),
  };
}

/**
 * PostgreSQL may be shared by several edges: each decision is made in SQL, on the row. A PGlite
 * store belongs to this process alone: decisions in memory, written through (issue 12's cost).
 */
function countersFor(store: EdgeStore, now: () => number): AttemptCounters {
  return store.target.kind === 'url'
    ? new SharedAttemptCounters(store.db, now)
    : new InProcessAttemptCounters(store.db, now);
}
