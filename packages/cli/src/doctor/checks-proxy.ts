// The edge as a browser meets it: a registration flow started through the proxy, its CSRF cookie,
// no in-cluster host name leaking, cookie attributes that the browser will keep, the session cookie
// name the gateway reads, and the clock the signed identity headers depend on.
import { parse as parseSetCookie, type Cookie } from 'set-cookie-parser';
import {
  fail,
  isLoopbackHost,
  ok,
  skip,
  type Check,
  type CheckResult,
  type DoctorFacts,
} from './facts.ts';
import { expectedBaseURL } from './checks-kratos.ts';

/** The identity headers' signature accepts this much clock difference (identity-headers/verify.ts). */
export const CLOCK_SKEW_TOLERANCE_MS = 5_000;

const edgeReachable: Check = {
  id: 'edge.reachable',
  title: 'the edge',
  run(facts) {
    const probe = facts.live?.edge;
    if (!probe) return skip('not probed (--offline)');
    if (probe.ok) return ok(`answers at ${facts.edge.server.public_url}`);
    return fail(
      `no answer at ${facts.edge.server.public_url} (${probe.error})`,
      'Start the edge (vestibule serve --config vestibule.yml) or fix server.public_url.',
    );
  },
};

/** The probe's result, or the reason live flow checks cannot judge. */
function withFlow(
  facts: DoctorFacts,
  judge: (probe: NonNullable<NonNullable<DoctorFacts['live']>['registration']>) => CheckResult,
): CheckResult {
  const probe = facts.live?.registration;
  if (!probe) return skip('not probed (--offline or the edge did not answer)');
  if (probe.error) return skip(`no registration flow through the edge (${probe.error})`);
  return judge(probe);
}

const flowAction: Check = {
  id: 'proxy.flow-action',
  title: 'flow forms post to the proxy',
  run: (facts) =>
    withFlow(facts, (probe) => {
      const prefix = expectedBaseURL(facts);
      if (probe.action?.startsWith(prefix)) return ok(`ui.action is under ${prefix}`);
      return fail(
        `a registration flow through the edge posts to ${probe.action ?? '(no ui.action)'}`,
        `Set serve.public.base_url: ${prefix} in kratos.yml, or kratos.browser_url to Kratos's base_url.`,
      );
    }),
};

function csrfCookie(cookies: Cookie[]): Cookie | undefined {
  return cookies.find((c) => c.name.startsWith('csrf_token'));
}

const csrfHostOnly: Check = {
  id: 'proxy.csrf-cookie',
  title: 'CSRF cookie host-only',
  run: (facts) =>
    withFlow(facts, (probe) => {
      const cookie = csrfCookie(parseSetCookie(probe.setCookies));
      if (!cookie) {
        return fail(
          'the registration flow set no csrf_token cookie: every form submit will fail CSRF',
          'Let Kratos set its cookies through the proxy (do not strip Set-Cookie in front of the edge).',
        );
      }
      const wanted = facts.edge.proxy.cookie_domain;
      if (cookie.domain && cookie.domain.replace(/^\./, '') !== wanted?.replace(/^\./, '')) {
        return fail(
          `the CSRF cookie carries Domain=${cookie.domain}: the browser will not send it to this host`,
          'Remove cookies.domain from kratos.yml, or set proxy.cookie_domain to the domain you mean.',
        );
      }
      return ok(`${cookie.name} is ${cookie.domain ? `for ${cookie.domain}` : 'host-only'}`);
    }),
};

const noInternalHost: Check = {
  id: 'proxy.no-internal-host',
  title: 'no in-cluster host name',
  run: (facts) =>
    withFlow(facts, (probe) => {
      if (probe.leaks.length === 0) return ok('no internal host name in the flow body or headers');
      return fail(
        `the browser sees ${probe.leaks.join(', ')}`,
        "Set kratos.browser_url to Kratos's serve.public.base_url so the proxy rewrites it, or fix base_url.",
      );
    }),
};

const cookieSecure: Check = {
  id: 'cookies.secure',
  title: 'cookie Secure flag',
  run: (facts) =>
    withFlow(facts, (probe) => {
      const url = new URL(facts.edge.server.public_url);
      const cookies = parseSetCookie(probe.setCookies);
      if (url.protocol === 'https:') {
        const insecure = cookies.filter((c) => !c.secure).map((c) => c.name);
        if (insecure.length > 0) {
          return fail(
            `${insecure.join(', ')} set without Secure on an https site`,
            'Run Kratos without --dev (it then marks its cookies Secure).',
          );
        }
        return ok('every cookie is Secure (https)');
      }
      const secure = cookies.filter((c) => c.secure).map((c) => c.name);
      if (secure.length > 0 && !isLoopbackHost(url.hostname)) {
        return fail(
          `${secure.join(', ')} marked Secure but ${url.origin} is plain http: browsers drop them`,
          'Serve the edge over https (server.public_url https://…), or run Kratos with --dev for local http.',
        );
      }
      return ok(`cookies fit ${url.protocol.slice(0, -1)} on ${url.hostname}`);
    }),
};

const cookieSameSite: Check = {
  id: 'cookies.same-site',
  title: 'cookie SameSite',
  run(facts) {
    const configured = facts.kratos.sameSite;
    const https = facts.edge.server.public_url.startsWith('https:');
    if (configured?.toLowerCase() === 'none' && !https) {
      return fail(
        'SameSite=None without https: browsers reject the session cookie',
        'Use same_site: Lax in kratos.yml (the edge serves one origin, so Lax is enough).',
      );
    }
    const probed = facts.live?.registration?.setCookies;
    const none = probed
      ? parseSetCookie(probed).filter((c) => c.sameSite?.toLowerCase() === 'none' && !c.secure)
      : [];
    if (none.length > 0) {
      return fail(
        `${none.map((c) => c.name).join(', ')} SameSite=None without Secure: browsers reject it`,
        'Use same_site: Lax in kratos.yml.',
      );
    }
    if (!configured && !probed) return skip('SameSite unknown');
    return ok(`SameSite ${configured ?? 'as Kratos sets it (Lax)'}`);
  },
};

const cookieDomain: Check = {
  id: 'cookies.domain',
  title: 'cookie domain covers the host',
  run(facts) {
    const domain = facts.edge.proxy.cookie_domain ?? facts.kratos.cookieDomain;
    const host = new URL(facts.edge.server.public_url).hostname;
    if (!domain) return ok(`host-only cookies for ${host}`);
    const bare = domain.replace(/^\./, '').toLowerCase();
    if (host !== bare && !host.endsWith(`.${bare}`)) {
      return fail(
        `cookie domain ${domain} does not cover ${host}: the browser refuses the cookies`,
        `Set the cookie domain to ${host} or a parent of it, or remove it for host-only cookies.`,
      );
    }
    return ok(`${domain} covers ${host}`);
  },
};

const sessionCookieName: Check = {
  id: 'cookies.session-name',
  title: 'session cookie name',
  run(facts) {
    const kratos = facts.kratos.sessionCookieName;
    const gateway = facts.edge.gateway.session_cookie_name;
    if (!kratos) return skip('session.cookie.name unknown (pass --kratos-config kratos.yml)');
    if (kratos !== gateway) {
      return fail(
        `Kratos names the session cookie ${kratos} but the gateway reads ${gateway}: everyone looks signed out`,
        `Set gateway.session_cookie_name: ${kratos} in vestibule.yml.`,
      );
    }
    return ok(`both use ${kratos}`);
  },
};

const clockSkew: Check = {
  id: 'clock.skew',
  title: 'clock skew with Kratos',
  run: (facts) =>
    withFlow(facts, (probe) => {
      if (probe.clockSkewMs === undefined) return skip('the flow had no issued_at');
      const seconds = (probe.clockSkewMs / 1000).toFixed(1);
      if (Math.abs(probe.clockSkewMs) > CLOCK_SKEW_TOLERANCE_MS) {
        return fail(
          `Kratos's clock is ${seconds}s off this machine's (tolerance ${CLOCK_SKEW_TOLERANCE_MS / 1000}s)`,
          'Run NTP (chrony, systemd-timesyncd) on both hosts: signed headers and session expiry depend on it.',
        );
      }
      return ok(`${seconds}s`);
    }),
};

export const PROXY_CHECKS: readonly Check[] = [
  edgeReachable,
  flowAction,
  csrfHostOnly,
  noInternalHost,
  cookieSecure,
  cookieSameSite,
  cookieDomain,
  sessionCookieName,
  clockSkew,
];
