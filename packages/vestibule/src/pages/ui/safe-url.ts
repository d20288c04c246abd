// URLs from Kratos end up in href/src/action attributes and Location headers. Escaping stops attribute
// breakout; this stops `javascript:` and other active schemes, and relative URLs that a browser would
// read as another host, even if a misconfigured or compromised backend sends one.

const PLACEHOLDER = 'http://same-origin.invalid';

/**
 * A root-relative URL as the browser will resolve it, or undefined when it would leave the origin.
 * Browsers drop tabs and newlines and read `\` as `/`, so `/\t/evil` and `/\evil` mean `//evil`;
 * dot segments resolve `/.//evil` to `//evil` too.
 */
export function sameOriginPath(url: string): string | undefined {
  if (!url.startsWith('/')) return undefined;
  try {
    const resolved = new URL(url, PLACEHOLDER);
    // Dot segments can leave an empty first segment (`/.//evil`, `/a/..//evil` → `//evil`): same
    // origin here, another host once the browser reads the result on its own.
    if (resolved.origin !== PLACEHOLDER || resolved.pathname.startsWith('//')) return undefined;
    return resolved.pathname + resolved.search + resolved.hash;
  } catch {
    return undefined;
  }
}

/** An absolute http(s) URL, normalised, or undefined. */
export function httpURL(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

export function safeURL(
  url: string | undefined,
  toSameOrigin: (url: string) => string,
  options: { allowDataImage: boolean },
): string | undefined {
  if (!url) return undefined;
  const trimmed = url.trim();
  if (
    options.allowDataImage &&
    /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(trimmed)
  ) {
    return trimmed;
  }
  const rewritten = toSameOrigin(trimmed);
  return rewritten.startsWith('/') ? sameOriginPath(rewritten) : httpURL(rewritten);
}
