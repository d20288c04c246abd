// The seam between "a session ended on this edge" and "every edge forgets it". The gateway evicts
// its own cache, then announces the event; announce() is awaited before the edge answers, so when a
// client sees its logout or revocation succeed, the other edges have been told. One edge needs no
// bus (the local bus announces to nobody); several edges behind a load balancer share one
// PostgreSQL bus (postgres.ts).
import type { SessionCache } from '../session/cache.ts';
import type { SessionEvent } from './events.ts';

export interface SessionBus {
  /** Tells the other edges (this edge's cache is already evicted). Never throws. */
  announce(event: SessionEvent): Promise<void>;
  close(): Promise<void>;
}

/** Builds the bus for a gateway's session cache (the cache it applies other edges' events to). */
export type SessionBusFactory = (cache: SessionCache) => SessionBus;

export const createLocalSessionBus: SessionBusFactory = () => ({
  announce: () => Promise.resolve(),
  close: () => Promise.resolve(),
});
