// Maps URLs that point at Kratos onto the proxy, on the browser-visible origin. Kratos builds its
// URLs (ui.action, Location, logout_url, ...) from `serve.public.base_url`; when that is an in-cluster
// name (`http://ory-kratos:4433/`) or a different origin, the browser gets a form it cannot post to
// (ERR_NAME_NOT_RESOLVED) or a cookie it never sends back. Only URLs on a known Kratos origin are
// touched; every rewritten URL is on the public origin, under the prefix.

export interface KratosBase {
  /** `scheme://host[:port]` as the WHATWG URL parser serialises it (lower-case host, default port dropped). */
  origin: string;
  /** Path of the base URL, always ending in `/` (`/`, `/.ory/kratos/public/`). */
  path: string;
}

export interface URLRewriterOptions {
  /** Kratos's configured public base URL(s) and the internal URL the proxy sends to. */
  bases: readonly KratosBase[];
  /** Tested against the host name (without port) of any absolute URL; `undefined` disables. */
  inClusterHost?: (hostname: string) => boolean;
  /** Path the proxy is mounted at, without trailing slash (`/api/ory`, or `` at the root). */
  prefix: string;
}

export function toKratosBase(url: URL): KratosBase {
  const path = url.pathname.endsWith('/') ? url.pathname : url.pathname + '/';
  return { origin: url.origin, path };
}

export class URLRewriter {
  private readonly bases: readonly KratosBase[];
  private readonly baseHosts: ReadonlySet<string>;

  constructor(private readonly options: URLRewriterOptions) {
    // Longest base path first, so `https://k/.ory/kratos/` wins over `https://k/`.
    this.bases = [...options.bases].sort((a, b) => b.path.length - a.path.length);
    this.baseHosts = new Set(options.bases.map((b) => new URL(b.origin).hostname));
  }

  /**
   * Rewrites `value` when it is an absolute http(s) URL on a Kratos origin; anything else (relative
   * URLs, other hosts, javascript:, garbage) is returned unchanged, byte for byte.
   */
  rewrite(value: string, publicOrigin: string): string {
    const url = parseAbsolute(value);
    if (!url) return value;
    const kratosPath = this.kratosPathOf(url, publicOrigin);
    if (kratosPath === undefined) return value;
    return publicOrigin + this.options.prefix + kratosPath + url.search + url.hash;
  }

  /**
   * `Location` may be relative (RFC 9110 §10.2.2); a relative one from Kratos means relative to Kratos,
   * so it is resolved against the upstream URL first and then mapped like any other Kratos URL.
   */
  rewriteLocation(value: string, upstreamURL: string, publicOrigin: string): string {
    if (parseAbsolute(value)) return this.rewrite(value, publicOrigin);
    let resolved: URL;
    try {
      resolved = new URL(value, upstreamURL);
    } catch {
      return value;
    }
    const rewritten = this.rewrite(resolved.href, publicOrigin);
    return rewritten === resolved.href ? value : rewritten;
  }

  /**
   * `request_url` is by definition the URL of a Kratos endpoint. Kratos builds it from
   * X-Forwarded-Host (kratos x.RequestURL), so it arrives on the public origin *without* the prefix;
   * map that case too.
   */
  rewriteRequestURL(value: string, publicOrigin: string): string {
    const url = parseAbsolute(value);
    if (!url) return value;
    if (url.origin === publicOrigin && !this.isUnderPrefix(url.pathname)) {
      return publicOrigin + this.options.prefix + url.pathname + url.search + url.hash;
    }
    return this.rewrite(value, publicOrigin);
  }

  /**
   * Cheap pre-scan: false when no absolute URL in `text` is on a Kratos host or on the public origin
   * (request_url), so the body cannot need rewriting. False positives only cost a parse.
   */
  mayMention(text: string, publicOrigin: string): boolean {
    const publicHost = this.hostnameOfOrigin(publicOrigin);
    for (const match of text.matchAll(AUTHORITY)) {
      const hostname = hostnameOf(match[1]!);
      if (hostname === publicHost || this.baseHosts.has(hostname)) return true;
      if (this.options.inClusterHost?.(hostname)) return true;
    }
    return false;
  }

  /** The public origin is the same on almost every call: parse it once, not per body. */
  private lastOrigin: { origin: string; hostname: string } | undefined;

  private hostnameOfOrigin(origin: string): string {
    if (this.lastOrigin?.origin !== origin) {
      this.lastOrigin = { origin, hostname: new URL(origin).hostname };
    }
    return this.lastOrigin.hostname;
  }

  /** The Kratos path of a URL on a Kratos origin, or undefined when the URL is not Kratos's. */
  private kratosPathOf(url: URL, publicOrigin: string): string | undefined {
    // Already ours: rewriting must be idempotent even when a base shares the public origin.
    if (url.origin === publicOrigin && this.isUnderPrefix(url.pathname)) return undefined;
    for (const base of this.bases) {
      if (url.origin !== base.origin) continue;
      if (url.pathname.startsWith(base.path)) return url.pathname.slice(base.path.length - 1);
      if (url.pathname + '/' === base.path) return '/';
    }
    if (this.options.inClusterHost?.(url.hostname)) return url.pathname;
    return undefined;
  }

  private isUnderPrefix(pathname: string): boolean {
    const { prefix } = this.options;
    return prefix === '' || pathname === prefix || pathname.startsWith(prefix + '/');
  }
}

/** `http(s)://authority` in text, also with JSON-escaped slashes (`https:\/\/`). */
const AUTHORITY = /https?:(?:\/|\\\/){2}([^/\\"'\s?#<>]+)/gi;

function hostnameOf(authority: string): string {
  const host = authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function parseAbsolute(value: string): URL | undefined {
  if (!/^https?:\/\//i.test(value)) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
