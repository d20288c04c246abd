// Unlocking and reading back, shared by the admin endpoint (running edge) and the CLI (store
// opened directly when nothing runs): one implementation, so both clear the same scopes.
import type { AttemptCounters } from './attempts.ts';
import type { AuditLog, AuditQuery, AuditRecord } from './audit.ts';
import { addressKey, identifierSubject, normaliseIdentifier, SECOND_FACTOR_SCOPE } from './keys.ts';

const IDENTIFIER_SCOPES = [
  'login:identifier',
  // Second factors: `identity:<id>`, `session:<hash>`, `flow:<id>` (cleared by that whole key);
  // `identifier:<identifier>` is cleared with its identifier (below).
  'login:second-factor',
  'recovery:send:identifier',
  'verification:send:identifier',
];
const ADDRESS_SCOPES = [
  'login:address',
  'recovery:send:address',
  'recovery:code:address',
  'verification:send:address',
  'verification:code:address',
];

export interface LockoutEntry {
  scope: string;
  key: string;
  failures: number;
  locked_until: string | null;
}

export interface LockoutAdmin {
  list(): Promise<LockoutEntry[]>;
  /** An identifier (normalised like the counters), or a client address (its /64 for IPv6). */
  clear(identifierOrAddress: string, requestId?: string): Promise<boolean>;
  audit(query: AuditQuery): Promise<AuditRecord[]>;
}

export function createLockoutAdmin(counters: AttemptCounters, audit: AuditLog): LockoutAdmin {
  return {
    async list() {
      // Settlements still being written after their answers: what the edge has decided so far.
      await audit.flush();
      const rows = await counters.list([...IDENTIFIER_SCOPES, ...ADDRESS_SCOPES]);
      return rows.map((r) => ({
        scope: r.scope,
        key: r.key,
        failures: r.failures,
        locked_until: r.lockedUntil?.toISOString() ?? null,
      }));
    },
    async clear(value, requestId) {
      // A settlement landing after the clear would count a failure the operator meant to forgive.
      await audit.flush();
      const identifier = normaliseIdentifier(value);
      const byKey = await counters.clear(IDENTIFIER_SCOPES, identifier);
      // Second-factor guesses after this identifier's password logins: the same person's lock.
      const bySecondFactor = await counters.clear(
        [SECOND_FACTOR_SCOPE],
        identifierSubject(identifier),
      );
      const byIdentifier = byKey || bySecondFactor;
      const address = addressKey(value);
      const byAddress = address !== 'unknown' && (await counters.clear(ADDRESS_SCOPES, address));
      const cleared = byIdentifier || byAddress;
      if (cleared) {
        await audit.record({
          event: 'lockout_cleared',
          ...(byIdentifier ? { identifier: value } : { clientAddress: value }),
          requestId,
        });
      }
      return cleared;
    },
    audit: (query) => audit.query(query),
  };
}
