// How `vestibule lockout` and `vestibule audit` reach the edge's protection state: through a running
// edge's admin endpoint (Bearer secret from vestibule.yml, the environment, or the demo stack's
// <data dir>/secrets.json), or — when no edge answers — by opening the store directly (PGlite is
// single-process, so never while an edge holds it).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigFile, loadConfigObject, type EdgeConfig } from 'vestibule/config';
import { createLogger, openEdgeStore, protectionState, storeLocation } from 'vestibule/edge';
import type { AuditRecord, LockoutEntry } from 'vestibule/edge';
import type { CLIIO } from '../terminal/io.ts';

export interface ReachFlags {
  config?: string | undefined;
  url?: string | undefined;
  'data-dir'?: string | undefined;
}

export interface AuditFilter {
  identity?: string | undefined;
  identifier?: string | undefined;
  since?: Date | undefined;
  after?: string | undefined;
  limit?: number | undefined;
}

/** Events as JSON carries them (dates as ISO strings). */
export type AuditLine = Omit<AuditRecord, 'at'> & { at: string };

export interface ProtectionAccess {
  /** `endpoint` (a running edge) or `store` (opened directly). */
  via: 'endpoint' | 'store';
  lockouts(): Promise<LockoutEntry[]>;
  clear(identifier: string): Promise<boolean>;
  audit(filter: AuditFilter): Promise<AuditLine[]>;
  close(): Promise<void>;
}

export async function reachProtection(flags: ReachFlags, io: CLIIO): Promise<ProtectionAccess> {
  const file = flags.config ?? io.env.VESTIBULE_CONFIG;
  const dataDir = resolve(io.cwd, flags['data-dir'] ?? io.env.VESTIBULE_DATA_DIR ?? '.data');
  const config = file
    ? loadConfigFile(resolve(io.cwd, file), { env: io.env }).config
    : demoStackConfig(dataDir, io);
  const base = (flags.url ?? io.env.VESTIBULE_EDGE_URL ?? config.server.public_url).replace(
    /\/+$/,
    '',
  );
  const admin = config.protection.admin;
  if (admin) {
    const endpoint = endpointAccess(`${base}${admin.path}`, admin.secret);
    if (await endpoint.answers()) return endpoint;
  }
  return storeAccess(config);
}

/** The demo stack's edge: its default URL, its secret and store under the data dir. */
function demoStackConfig(dataDir: string, io: CLIIO): Readonly<EdgeConfig> {
  const secret = keptSecret(dataDir);
  return loadConfigObject(
    {
      server: { public_url: 'http://localhost:4000' },
      store: { directory: join(dataDir, 'edge-store') },
      ...(secret ? { protection: { admin: { secret } } } : {}),
    },
    { env: io.env },
  ).config;
}

function keptSecret(dataDir: string): string | undefined {
  const path = join(dataDir, 'secrets.json');
  if (!existsSync(path)) return undefined;
  try {
    const value = (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>)
      .protection_admin_secret;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function endpointAccess(
  root: string,
  secret: string,
): ProtectionAccess & { answers(): Promise<boolean> } {
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(root + path, {
      ...init,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 401) throw new Error(`${root}: the admin secret was refused`);
    if (!res.ok) throw new Error(`${root}${path}: HTTP ${res.status}`);
    return (await res.json()) as unknown;
  };
  return {
    via: 'endpoint',
    async answers() {
      try {
        await fetch(`${root}/lockouts`, { method: 'HEAD', signal: AbortSignal.timeout(2_000) });
        return true;
      } catch {
        return false; // nothing listens there: open the store instead
      }
    },
    lockouts: async () => ((await call('/lockouts')) as { lockouts: LockoutEntry[] }).lockouts,
    clear: async (identifier) =>
      (
        (await call('/lockouts/clear', {
          method: 'POST',
          body: JSON.stringify({ identifier }),
        })) as { cleared: boolean }
      ).cleared,
    async audit(filter) {
      const q = new URLSearchParams();
      if (filter.identity) q.set('identity', filter.identity);
      if (filter.identifier) q.set('identifier', filter.identifier);
      if (filter.since) q.set('since', filter.since.toISOString());
      if (filter.after) q.set('after', filter.after);
      if (filter.limit) q.set('limit', String(filter.limit));
      return ((await call(`/audit?${q}`)) as { events: AuditLine[] }).events;
    },
    close: () => Promise.resolve(),
  };
}

async function storeAccess(config: Readonly<EdgeConfig>): Promise<ProtectionAccess> {
  const location = storeLocation(config);
  if (location === 'memory') {
    throw new Error('no edge answers and no store is configured (store.url or store.directory)');
  }
  const store = await openEdgeStore(location);
  const logger = createLogger({ level: 'error' });
  const { lockouts, audit } = await protectionState(store, config, logger, Date.now);
  return {
    via: 'store',
    lockouts: () => lockouts.list(),
    clear: (identifier) => lockouts.clear(identifier, 'cli'),
    async audit(filter) {
      const events = await lockouts.audit({
        ...(filter.identity ? { identityId: filter.identity } : {}),
        ...(filter.identifier ? { identifier: filter.identifier } : {}),
        ...(filter.since ? { since: filter.since } : {}),
        ...(filter.after ? { afterId: filter.after } : {}),
        ...(filter.limit ? { limit: filter.limit } : {}),
      });
      return events.map((e) => ({ ...e, at: e.at.toISOString() }));
    },
    async close() {
      await audit.flush(); // a `clear` records lockout_cleared
      await store.close();
    },
  };
}
