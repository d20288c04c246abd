// The Oathkeeper identity source: an app behind a real Oathkeeper (the runbook's topology, no edge)
// reads identity from the `id_token` mutator's signed JWT. Unsigned `x-user-*` headers (a `header`
// mutator) prove nothing — anyone who reaches the app directly can send them — so they are read only
// when the operator lists the proxies allowed to send them, and only from a peer in that list.
// A namespace import: BlockList is looked up only when trusted proxies are configured, so a runtime
// with a partial node:net (Bun, Deno) can still load the app library.
import * as net from 'node:net';
import { identityFromClaims } from '../id-token/claims.ts';
import { createIDTokenVerifier, type IDTokenVerifierOptions } from '../id-token/verify.ts';
import type { Logger } from '../lib/logger.ts';
import type { IdentityRead, OathkeeperSourceOptions, RequestLike } from './types.ts';

type Reader = (request: RequestLike) => Promise<IdentityRead>;

export function oathkeeperReader(
  options: OathkeeperSourceOptions,
  context: {
    defaultRole: string;
    logger: Logger;
    fetch?: IDTokenVerifierOptions['fetch'];
    now?: () => number;
  },
): Reader {
  const { jwksURL } = options;
  const verify = jwksURL
    ? createIDTokenVerifier({ ...options, jwksURL, fetch: context.fetch, now: context.now })
    : undefined;
  const tokenHeader = (options.tokenHeader ?? 'authorization').toLowerCase();
  const anonymousSubject = options.anonymousSubject ?? 'anonymous';
  const trusted = trustedProxyList(options.trustedProxies);
  const { defaultRole, logger } = context;
  if (verify && !options.audience) {
    logger.warn(
      'oathkeeper identity source without an audience: a token Oathkeeper minted for another app is accepted here',
      {
        code: 'OATHKEEPER_NO_AUDIENCE',
      },
    );
  }
  if (trusted) {
    logger.warn(
      'unsigned x-user-* headers are trusted from these proxies; anyone who can connect from them can claim any identity',
      {
        code: 'OATHKEEPER_TRUSTED_PROXIES',
        trustedProxies: options.trustedProxies,
      },
    );
  }
  return async (request) => {
    // Without a JWKS a token cannot be checked: it is ignored, as if absent.
    const token = verify && tokenFrom(request.headers.get(tokenHeader), tokenHeader);
    if (!token) {
      return trusted
        ? fromTrustedHeaders(request, trusted, defaultRole)
        : { kind: 'unknown', reason: 'no-id-token' };
    }
    const verdict = await verify(token); // throws KratosUnavailable when the JWKS is unusable
    if (!verdict.valid) {
      logger.warn('rejected Oathkeeper id_token', { reason: verdict.reason });
      return { kind: 'unknown', reason: 'invalid-id-token' };
    }
    return identityFromClaims(verdict.claims, { defaultRole, anonymousSubject });
  };
}

/**
 * The request as the client sent it, for choosing between a login redirect and a 401: Oathkeeper
 * adds its id_token as `Authorization: Bearer` to browser requests too, and that header must not make
 * a browser look like an API client.
 */
export function clientViewBehindOathkeeper(
  options: OathkeeperSourceOptions,
): (request: RequestLike) => RequestLike {
  if (!options.jwksURL) return (request) => request; // no id_token: Authorization is the client's
  const hidden = (options.tokenHeader ?? 'authorization').toLowerCase();
  return (request) => ({
    // Not a spread: a Web Request's method and url are getters on its prototype.
    method: request.method,
    url: request.url,
    headers: { get: (name) => (name.toLowerCase() === hidden ? null : request.headers.get(name)) },
  });
}

/** `Bearer <jwt>` in Authorization; in another header the bare token (a `Bearer ` prefix is allowed). */
function tokenFrom(value: string | null, header: string): string | undefined {
  if (!value) return undefined;
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(value);
  if (match) return match[1];
  return header === 'authorization' ? undefined : value.trim() || undefined;
}

function trustedProxyList(cidrs: readonly string[] | undefined): net.BlockList | undefined {
  if (cidrs === undefined || cidrs.length === 0) return undefined;
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const [address, bits, extra] = String(cidr).split('/');
    const family = net.isIP(address ?? '');
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (
      !family ||
      extra !== undefined ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > (family === 6 ? 128 : 32)
    ) {
      throw new TypeError(`oathkeeper.trustedProxies: "${cidr}" is not an IP address or CIDR`);
    }
    list.addSubnet(address!, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

function fromTrustedHeaders(
  request: RequestLike,
  trusted: net.BlockList,
  defaultRole: string,
): IdentityRead {
  const peer = request.clientAddress;
  if (!peer || !isTrustedPeer(trusted, peer)) return { kind: 'unknown', reason: 'untrusted-peer' };
  const id = request.headers.get('x-user-id')?.trim();
  if (!id) return { kind: 'unknown', reason: 'no-id-token' };
  return {
    kind: 'user',
    user: {
      id,
      email: request.headers.get('x-user-email')?.trim() || null,
      role: request.headers.get('x-user-role')?.trim() || defaultRole,
      traits: {},
      session: null,
    },
  };
}

function isTrustedPeer(trusted: net.BlockList, peer: string): boolean {
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer)?.[1];
  const address = mapped ?? peer;
  const family = net.isIP(address);
  return family !== 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
