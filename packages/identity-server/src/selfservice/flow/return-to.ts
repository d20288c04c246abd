// `return_to` handling as Kratos's x.SecureRedirectTo: a URL is allowed when its scheme and host match
// an entry of selfservice.allowed_return_urls (a leading `*.` matches subdomains) and its path starts
// with that entry's path. The default browser return URL and the public base URL are always allowed.
// Anything else is refused with 400 self_service_flow_return_to_forbidden — never an open redirect.
import type { KratosConfig } from '../../config/types.ts';
import { KratosError } from '../../http/errors.ts';

export function returnToForbidden(raw: string): KratosError {
  return new KratosError(400, 'The request was malformed or contained invalid parameters', {
    id: 'self_service_flow_return_to_forbidden',
    reason: `Requested return_to URL "${raw}" is not allowed.`,
  });
}

function allowlist(config: KratosConfig): URL[] {
  const entries = [
    ...config.selfservice.allowed_return_urls,
    config.selfservice.default_browser_return_url,
    config.serve.public.base_url,
  ];
  const out: URL[] = [];
  for (const entry of entries) {
    try {
      out.push(new URL(entry));
    } catch {
      // Config validation rejects malformed URLs; ignore anything that slipped through.
    }
  }
  return out;
}

function hostMatches(allowed: URL, target: URL): boolean {
  if (allowed.hostname.startsWith('*.')) {
    const suffix = allowed.hostname.slice(1); // ".example.com"
    return target.hostname.endsWith(suffix) && target.port === allowed.port;
  }
  return allowed.host === target.host;
}

function pathMatches(allowed: URL, target: URL): boolean {
  const prefix = allowed.pathname || '/';
  if (prefix === '/') return true;
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return target.pathname === prefix || target.pathname.startsWith(base);
}

/** Returns the absolute, allowed return URL, or throws the Kratos 400. Empty input → undefined. */
export function checkReturnTo(config: KratosConfig, raw: string | null): string | undefined {
  if (raw === null || raw === '') return undefined;
  let target: URL;
  try {
    // Relative URLs are resolved against the default return URL, as Kratos does.
    target = new URL(raw, config.selfservice.default_browser_return_url);
  } catch {
    throw returnToForbidden(raw);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw returnToForbidden(raw);
  if (target.username || target.password) throw returnToForbidden(raw);
  const ok = allowlist(config).some(
    (allowed) =>
      allowed.protocol === target.protocol &&
      hostMatches(allowed, target) &&
      pathMatches(allowed, target),
  );
  if (!ok) throw returnToForbidden(raw);
  return target.toString();
}

type FlowsWithAfter = 'login' | 'registration' | 'settings' | 'recovery' | 'verification';

/**
 * Kratos config SelfServiceFlow<Kind>ReturnTo(strategy): where a browser goes after a flow when
 * no return_to was given — `after.<method>.default_browser_return_url`, else the flow's
 * `after.default_browser_return_url`; undefined when neither is set (the caller falls back).
 */
export function afterReturnURL(
  config: KratosConfig,
  kind: string,
  method: string,
): string | undefined {
  if (!['login', 'registration', 'settings', 'recovery', 'verification'].includes(kind)) {
    return undefined;
  }
  const urls = config.selfservice.flows[kind as FlowsWithAfter].after_return_urls ?? {};
  return urls[method] ?? urls.global;
}
