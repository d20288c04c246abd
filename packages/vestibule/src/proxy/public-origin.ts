// The browser-visible origin: configured (recommended), or derived from the request the edge received.
// Client-sent X-Forwarded-Proto/-Host are only believed when the operator says a trusted proxy in
// front overwrites them; otherwise anyone could make Kratos URLs point at a host of their choosing.

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function firstValue(value: string | null): string | undefined {
  const first = value?.split(',', 1)[0]?.trim();
  return first ? first : undefined;
}

export function resolvePublicOrigin(
  request: Request,
  requestURL: URL,
  options: { publicOrigin?: URL; trustForwardedHeaders: boolean },
): URL {
  if (options.publicOrigin) return options.publicOrigin;
  let protocol = requestURL.protocol;
  let host = requestURL.host;
  if (options.trustForwardedHeaders) {
    const proto = firstValue(request.headers.get('x-forwarded-proto'))?.toLowerCase();
    if (proto === 'http' || proto === 'https') protocol = `${proto}:`;
    const forwardedHost = firstValue(request.headers.get('x-forwarded-host'));
    if (forwardedHost && HOST.test(forwardedHost)) host = forwardedHost;
  }
  try {
    return new URL(`${protocol}//${host}`);
  } catch {
    return new URL(requestURL.origin);
  }
}

/** The incoming X-Forwarded-For chain, only when the operator trusts the proxy in front. */
export function trustedForwardedFor(request: Request, trusted: boolean): string | undefined {
  if (!trusted) return undefined;
  const chain = request.headers.get('x-forwarded-for');
  // Keep only plausible address tokens; a header full of junk must not reach Kratos's logs verbatim.
  const tokens = (chain ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => /^[0-9A-Fa-f:.[\]]{2,64}$/.test(t));
  return tokens.length > 0 ? tokens.join(', ') : undefined;
}
