// Hop-by-hop header hygiene shared by both proxies (the Kratos proxy and the gateway): one table,
// so the two cannot drift apart again (they had: only one knew `trailers`).

/**
 * RFC 9110 §7.6.1 connection-specific fields (Connection, Proxy-Connection, Keep-Alive, TE,
 * Transfer-Encoding, Upgrade), plus Trailer(s), the Proxy-Authenticate/-Authorization pair (RFC 2616
 * §13.5.1) and HTTP2-Settings (RFC 7540 §3.2.1), which proxies still meet.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

const PLAIN_CONNECTION = /^\s*(?:keep-alive|close)\s*$/i;

/**
 * Names listed in `Connection` values (RFC 9110 §7.6.1): hop-by-hop for this message only.
 * `undefined` when none is listed, which is nearly always: Node's own servers send just
 * `keep-alive` or `close`, and neither names a header to drop.
 */
export function connectionTokens(values: string | readonly string[]): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (const value of typeof values === 'string' ? [values] : values) {
    if (PLAIN_CONNECTION.test(value)) continue;
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name) (listed ??= new Set()).add(name);
    }
  }
  return listed;
}
