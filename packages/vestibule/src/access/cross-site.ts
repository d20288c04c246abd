// Cross-site request refusal (issue 13): a cookie-authenticated request that changes something
// (an unsafe method, RFC 9110 §9.2.1) or opens a WebSocket, sent by another site. SameSite=Lax on
// the session cookie is not enough on its own: sibling subdomains are "same-site", so a compromised
// or user-content subdomain sends the cookie with its POSTs, and Lax still sends it on top-level
// navigations. Fetch Metadata (Sec-Fetch-Site) says where a request came from; browsers without it
// still send Origin on unsafe requests and WebSocket handshakes (RFC 6455 §4.1), the fallback here.
import { denyDecision, type Decision } from './decision.ts';
import type { HeaderReader } from '../session/credential.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export interface CrossSiteInput {
  method: string;
  headers: HeaderReader;
  /** The edge's public origin (`server.public_url`), else the request's own; asked only when needed. */
  ownOrigin(): string;
}

/**
 * Whether the request changes state (or upgrades) and comes from another site: `Sec-Fetch-Site:
 * cross-site`, or, without Fetch Metadata, an Origin other than our own. same-site, same-origin and
 * none (a typed URL, a bookmark) pass; so does a request with neither header (not a browser).
 */
export function isCrossSiteRequest(input: CrossSiteInput): boolean {
  const { headers } = input;
  if (SAFE_METHODS.has(input.method) && headers.get('upgrade') === null) return false;
  const site = headers.get('sec-fetch-site');
  if (site !== null) return site === 'cross-site';
  const origin = headers.get('origin');
  return origin !== null && origin !== input.ownOrigin();
}

export function crossSiteDecision(input: { requestId: string; html: boolean }): Decision {
  return denyDecision({
    status: 403,
    code: 'CROSS_SITE_REQUEST',
    message: 'This request came from another site and was refused.',
    ...input,
  });
}
