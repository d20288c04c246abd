// The contract between the edge's router and the parts it assembles (proxy, pages, gateway).
import type { Logger } from '../lib/logger.ts';

export interface EdgeRequestContext {
  /** Minted by the edge (or taken from a trusted proxy); echoed as `x-request-id`. */
  requestId: string;
  /** The TCP peer's address as the edge sees it (before any X-Forwarded-For). */
  clientAddress: string | undefined;
  log: Logger;
}

export type EdgeHandler = (request: Request, context: EdgeRequestContext) => Promise<Response>;

export interface EdgeParts {
  /** Everything under `proxy.prefix` (default /api/ory): the same-origin Kratos proxy. */
  proxy: EdgeHandler;
  /** The self-service pages: `matches` decides by pathname which requests are theirs. */
  pages: { matches(pathname: string): boolean; handle: EdgeHandler };
  /** Extra handlers tried after the pages (e.g. the dev mailbox); `null` means "not mine". */
  mounts?: ReadonlyArray<
    (request: Request, context: EdgeRequestContext) => Promise<Response | null>
  >;
  /** Everything else: access rules, identity headers, then the upstream app. */
  gateway: EdgeHandler;
  /** Readiness: true when the parts' dependencies (Kratos, upstream) answer. */
  ready?: () => Promise<Record<string, boolean>>;
  close?: () => Promise<void>;
}
