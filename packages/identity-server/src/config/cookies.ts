// The session cookie's settings after Kratos's fallbacks (config.go SessionPath/SessionDomain/
// SessionSameSiteMode): session.cookie.{path,domain,same_site} override cookies.* and default to
// them. A cookie name with a prefix (RFC 6265bis §4.1.3) constrains the rest: `__Secure-` needs
// Secure; `__Host-` needs Secure, Path=/ and no Domain. A browser silently drops a cookie that
// breaks its prefix — every sign-in would "succeed" and leave no session — so a conflicting config
// is refused at start-up, naming the key, and the cookie writer (session/cookies.ts) enforces the
// attributes the prefix demands.
import { ConfigError } from './check.ts';
import type { KratosConfig } from './types.ts';

type SessionCookie = KratosConfig['session']['cookie'];

/** Where each resolved value came from, to name the right key in an error. */
interface Given {
  domain: boolean;
  path: boolean;
}

export function resolveSessionCookie(config: KratosConfig): void {
  const cookie = config.session.cookie as {
    -readonly [K in keyof SessionCookie]: SessionCookie[K];
  };
  const given: Given = { domain: !!cookie.domain, path: !!cookie.path };
  cookie.path ||= config.cookies.path;
  if (!cookie.domain && config.cookies.domain) cookie.domain = config.cookies.domain;
  cookie.same_site ||= config.cookies.same_site;
  checkHostPrefix(cookie, given);
}

function checkHostPrefix(cookie: SessionCookie, given: Given): void {
  if (!cookie.name.startsWith('__Host-')) return;
  const from = (key: 'domain' | 'path') =>
    given[key] ? `session.cookie.${key}` : `cookies.${key}`;
  if (cookie.domain) {
    throw new ConfigError(
      from('domain'),
      `a __Host- session cookie (session.cookie.name "${cookie.name}") must not have a Domain; browsers reject it`,
    );
  }
  if (cookie.path !== '/') {
    throw new ConfigError(
      from('path'),
      `a __Host- session cookie (session.cookie.name "${cookie.name}") must have Path=/; browsers reject it`,
    );
  }
}
