// The contract between the edge's router and the parts it assembles (proxy, pages, gateway).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../lib/logger.ts';
import type { ReadinessCheck } from './health.ts';

export interface EdgeRequestContext {
  /** Minted by the edge (or taken from a trusted proxy); echoed as `x-request-id`. */
  requestId: string;
  /** The TCP peer's address as the edge sees it (before any X-Forwarded-For). */
  clientAddress: string | undefined;
  log: Logger;
}

/** A Web-standard part (proxy, pages, mounts). */
export type EdgeHandler = (request: Request, context: EdgeRequestContext) => Promise<Response>;

/**
 * The gateway works on Node's request/response directly: it streams bodies to and from the upstream
 * without converting to Web streams (its hot path is benchmarked against a bare Node proxy hop).
 */
export interface GatewayPart {
  /**
   * `note`, when given, receives the matched rule's id and the decision (metrics labels).
   * `responseFields`: headers for every answer (`x-request-id`, Strict-Transport-Security), lower-case;
   * given only to a part that says it `writesResponseFields` (else the edge sets them beforehand).
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    note?: { rule: string; decision: string },
    responseFields?: EdgeFields,
  ): Promise<void>;
  /**
   * The part puts `responseFields` on every answer itself: the forwarded response gets them in the
   * head it writes, so Node's writeHead() keeps its fast path (createGateway() does).
   */
  readonly writesResponseFields?: boolean;
  /** `edgeFields`: headers for every response written to the socket (Strict-Transport-Security). */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, edgeFields?: EdgeFields): void;
}

export interface EdgeMount {
  matches(pathname: string): boolean;
  handle: EdgeHandler;
}

export interface EdgeParts {
  /** Everything under `proxy.prefix` (default /api/ory): the same-origin Kratos proxy. */
  proxy: EdgeHandler;
  /** The self-service pages: `matches` decides by pathname which requests are theirs. */
  pages: EdgeMount;
  /** Extra Web handlers tried after the pages (e.g. the dev mailbox). */
  mounts?: readonly EdgeMount[];
  /** Everything else: access rules, identity headers, then the upstream app. */
  gateway: GatewayPart;
  /** Readiness: true when the parts' dependencies (Kratos, upstream) answer; see health.ts. */
  ready?: () => Promise<Record<string, ReadinessCheck>>;
  close?: () => Promise<void>;
}

/** Header fields the edge puts on a response, [lower-case name, value] pairs. */
export type EdgeFields = ReadonlyArray<readonly [string, string]>;

export type EdgeRoute = 'health' | 'metrics' | 'proxy' | 'pages' | 'mount' | 'gateway';
