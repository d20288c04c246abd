// Options are validated once, when the proxy is built (a TypeError naming the option), and frozen.
import type { Dispatcher } from 'undici';
import type { FetchLike } from '../lib/outbound.ts';
import type { Logger } from '../lib/logger.ts';
import { createLogger } from '../lib/logger.ts';
import { parsePrefix } from './path.ts';
import { toKratosBase, type KratosBase } from './url-rewriter.ts';

/** What the gateway's session cache needs to evict at once (issue-4). */
export interface LogoutEvent {
  /**
   * `logout`: the session behind `cookie`/`sessionToken` ended (GET /self-service/logout → 303/204,
   * DELETE /self-service/logout/api → 204). `session-revoked`: session `sessionId` was revoked by its
   * owner (DELETE /sessions/{id}). `other-sessions-revoked`: every session of the caller's identity
   * except the current one ended (DELETE /sessions).
   */
  kind: 'logout' | 'session-revoked' | 'other-sessions-revoked';
  /** The browser's whole Cookie header on that request (it carries the session cookie). */
  cookie?: string;
  /** From X-Session-Token, `Authorization: Bearer`, or the `session_token` of a native logout body. */
  sessionToken?: string;
  sessionId?: string;
  requestId: string;
}

export interface DoubleSubmitOptions {
  /** How long a successful submit is replayed to an identical duplicate. Default 5000 ms. */
  windowMs?: number;
  /** Most remembered/in-flight submits at once (LRU). Default 1000. */
  maxEntries?: number;
}

export interface OryProxyOptions {
  /** Where the proxy sends requests: Kratos's public API, possibly an in-cluster URL. */
  kratosPublicURL: string | URL;
  /** The browser-visible origin (`https://app.example.com`). Default: derived from each request. */
  publicOrigin?: string | URL;
  /** Mount path. Default `/api/ory`. */
  prefix?: string;
  /** Kratos's configured `serve.public.base_url`(s): URLs on these are rewritten to the proxy. */
  kratosBrowserURLs?: ReadonlyArray<string | URL>;
  /**
   * Host names (port ignored) also treated as Kratos. A RegExp is tested against the host name, a
   * string must equal it, `false` disables. Default {@link DEFAULT_IN_CLUSTER_HOST}.
   */
  inClusterHostPattern?: RegExp | string | false;
  /** Set `Domain=` on every cookie to this; default: host-only cookies (`Domain` removed). */
  cookieDomain?: string;
  /** Whole-exchange deadline for one Kratos call (502/504 after it). Default 10000 ms. */
  timeoutMs?: number;
  /** Trust client-sent X-Forwarded-For/-Proto/-Host (only behind a proxy that overwrites them). */
  trustForwardedHeaders?: boolean;
  /** Fetch used for Kratos calls (tests inject one). Default: undici's fetch on its own keep-alive Agent. */
  fetch?: FetchLike;
  /** An undici Dispatcher (Agent, Pool, MockAgent) for the default fetch. */
  dispatcher?: Dispatcher;
  logger?: Logger;
  /** Awaited before the logout response is returned, so the next request already sees the eviction. */
  onLogout?: (event: LogoutEvent) => void | Promise<void>;
  /** Server-side double-submit guard for single-use flows; `false` disables. */
  doubleSubmit?: DoubleSubmitOptions | false;
  /** Largest JSON/HTML body rewritten (a larger one is a 502, never passed through unrewritten). */
  maxRewriteBytes?: number;
  /**
   * Largest request body forwarded to Kratos, in bytes (a larger one is the proxy's own 413, before
   * Kratos sees it). Default {@link DEFAULT_MAX_REQUEST_BODY_BYTES}. Keep it at or below what Kratos
   * accepts: a body Kratos refuses mid-upload ends in a closed connection, which reads as a 502.
   */
  maxRequestBodyBytes?: number;
  /** Clock for the double-submit window (tests pass a fake one). Default `performance.now`. */
  now?: () => number;
}

/**
 * Default in-cluster Kratos names: the Ory Helm chart's service names for a release named `ory` or
 * `kratos` (`ory-kratos-public`, `kratos-public`, `kratos-admin`...) and the compose service `kratos`,
 * alone or as `<service>.<namespace>.svc[.cluster.local]`. Public names like `kratos.example.com` do
 * not match: rewriting a real public host is wrong. (The short `<service>.<namespace>` form is not
 * matched either: `kratos.dev` could be a public host. Set `kratos.in_cluster_pattern` for it.)
 */
export const DEFAULT_IN_CLUSTER_HOST =
  /^(?:ory-)?kratos(?:-[a-z0-9-]+)?(?:\.[a-z0-9-]+\.svc(?:\.cluster\.local)?)?$/;

/**
 * 1 MiB: the embedded identity server's own `body_limit_bytes` default. Self-service submissions
 * (credentials, traits, WebAuthn/passkey responses, settings) are a few KiB; this leaves ample room.
 */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 1024 * 1024;

export interface ResolvedProxyOptions {
  kratosURL: URL;
  publicOrigin?: URL;
  prefix: string;
  prefixSegments: readonly string[];
  bases: readonly KratosBase[];
  inClusterHost?: (hostname: string) => boolean;
  cookieDomain?: string;
  timeoutMs: number;
  trustForwardedHeaders: boolean;
  fetch?: FetchLike;
  dispatcher?: Dispatcher;
  logger: Logger;
  onLogout?: (event: LogoutEvent) => void | Promise<void>;
  doubleSubmit: { windowMs: number; maxEntries: number } | false;
  maxRewriteBytes: number;
  maxRequestBodyBytes: number;
  now: () => number;
}

function fail(option: string, problem: string): never {
  throw new TypeError(`createOryProxy: option "${option}" ${problem}`);
}

function httpURL(option: string, value: unknown): URL {
  let url: URL;
  try {
    url = new URL(value instanceof URL ? value.href : String(value));
  } catch {
    return fail(option, `must be an absolute http(s) URL, got ${JSON.stringify(String(value))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(option, 'must be http or https');
  if (url.username || url.password) fail(option, 'must not contain credentials');
  if (url.search || url.hash) fail(option, 'must not have a query or fragment');
  return url;
}

function positiveInt(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 3_600_000) {
    fail(option, 'must be a positive integer (milliseconds or a count)');
  }
  return value;
}

function byteLimit(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 2 ** 30) {
    fail(option, 'must be a positive integer number of bytes, at most 1 GiB');
  }
  return value;
}

function optionalFunction<T>(option: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') fail(option, 'must be a function');
  return value;
}

function inClusterMatcher(value: unknown): ((hostname: string) => boolean) | undefined {
  if (value === false) return undefined;
  const pattern = value ?? DEFAULT_IN_CLUSTER_HOST;
  if (pattern instanceof RegExp) {
    // A global/sticky RegExp keeps `lastIndex` between calls and would match every other time.
    if (pattern.global || pattern.sticky)
      fail('inClusterHostPattern', 'must not use the g or y flag');
    return (hostname) => pattern.test(hostname);
  }
  if (typeof pattern === 'string' && /^[a-z0-9.-]+$/i.test(pattern)) {
    const exact = pattern.toLowerCase();
    return (hostname) => hostname === exact;
  }
  return fail('inClusterHostPattern', 'must be a RegExp, a host name, or false');
}

function publicOriginOf(value: unknown): URL | undefined {
  if (value === undefined) return undefined;
  const url = httpURL('publicOrigin', value);
  if (url.pathname !== '/') fail('publicOrigin', 'must be an origin without a path');
  return new URL(url.origin);
}

function cookieDomainOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(value)) {
    fail('cookieDomain', 'must be a domain name such as "example.com"');
  }
  return value;
}

function doubleSubmitOf(
  value: OryProxyOptions['doubleSubmit'],
): ResolvedProxyOptions['doubleSubmit'] {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    fail('doubleSubmit', 'must be an object or false');
  }
  return {
    windowMs: positiveInt('doubleSubmit.windowMs', value?.windowMs, 5_000),
    maxEntries: positiveInt('doubleSubmit.maxEntries', value?.maxEntries, 1_000),
  };
}

function prefixOf(value: unknown): { prefix: string; segments: readonly string[] } {
  if (value === undefined) value = '/api/ory';
  if (typeof value !== 'string') return fail('prefix', 'must be a string such as "/api/ory"');
  try {
    const segments = parsePrefix(value);
    return { prefix: segments.map((s) => '/' + s).join(''), segments };
  } catch (err) {
    return fail('prefix', (err as Error).message);
  }
}

export function resolveProxyOptions(options: OryProxyOptions): ResolvedProxyOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createOryProxy: options must be an object');
  }
  const kratosURL = httpURL('kratosPublicURL', options.kratosPublicURL);
  const browserURLs = options.kratosBrowserURLs ?? [];
  if (!Array.isArray(browserURLs)) fail('kratosBrowserURLs', 'must be an array of URLs');
  const bases = [kratosURL, ...browserURLs.map((u) => httpURL('kratosBrowserURLs', u))].map(
    toKratosBase,
  );
  if (
    options.trustForwardedHeaders !== undefined &&
    typeof options.trustForwardedHeaders !== 'boolean'
  ) {
    fail('trustForwardedHeaders', 'must be a boolean');
  }
  if (options.logger !== undefined && typeof options.logger?.warn !== 'function') {
    fail('logger', 'must be a Logger');
  }
  if (options.dispatcher !== undefined && typeof options.dispatcher?.dispatch !== 'function') {
    fail('dispatcher', 'must be an undici Dispatcher');
  }
  const { prefix, segments } = prefixOf(options.prefix);
  return Object.freeze({
    kratosURL,
    publicOrigin: publicOriginOf(options.publicOrigin),
    prefix,
    prefixSegments: segments,
    bases,
    inClusterHost: inClusterMatcher(options.inClusterHostPattern),
    cookieDomain: cookieDomainOf(options.cookieDomain),
    timeoutMs: positiveInt('timeoutMs', options.timeoutMs, 10_000),
    trustForwardedHeaders: options.trustForwardedHeaders ?? false,
    fetch: optionalFunction('fetch', options.fetch),
    dispatcher: options.dispatcher,
    logger: options.logger ?? createLogger({ base: { component: 'ory-proxy' } }),
    onLogout: optionalFunction('onLogout', options.onLogout),
    doubleSubmit: doubleSubmitOf(options.doubleSubmit),
    maxRewriteBytes: positiveInt('maxRewriteBytes', options.maxRewriteBytes, 2 * 1024 * 1024),
    maxRequestBodyBytes: byteLimit(
      'maxRequestBodyBytes',
      options.maxRequestBodyBytes,
      DEFAULT_MAX_REQUEST_BODY_BYTES,
    ),
    now: optionalFunction('now', options.now) ?? (() => performance.now()),
  });
}
