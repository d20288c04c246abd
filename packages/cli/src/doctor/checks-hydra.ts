// Hydra (when configured): both APIs up and ready, the admin API private, the issuer the relying
// parties reach, and the login/consent/logout URLs on the edge. Settings come from the live Hydra
// where a probe can show them (discovery's issuer; the login URL from a real authorization request)
// and from --hydra-config; each message says which.
import {
  fail,
  ok,
  originOf,
  publicOrigin,
  skip,
  warn,
  type Check,
  type CheckResult,
  type DoctorFacts,
  type HydraLive,
} from './facts.ts';

const NOT_CONFIGURED =
  'Hydra not configured (hydra.public_url/admin_url in vestibule.yml, or --hydra-config hydra.yml)';

const configured = (facts: DoctorFacts) =>
  !!(facts.edge.hydra.public_url || facts.edge.hydra.admin_url || facts.hydra);

/** The live facts, or the reason a live check cannot judge. */
function withLive(facts: DoctorFacts, judge: (hydra: HydraLive) => CheckResult): CheckResult {
  if (!configured(facts)) return skip(NOT_CONFIGURED);
  if (!facts.live) return skip('not probed (--offline)');
  const hydra = facts.live.hydra;
  if (!hydra) return skip('no hydra.public_url or hydra.admin_url in the config to probe');
  if (hydra.starting) {
    return warn(
      `the OAuth2 server at ${hydra.publicURL} is still starting (the edge answers /oauth2/* with 503 meanwhile)`,
      'Run vestibule doctor again in a few seconds.',
    );
  }
  return judge(hydra);
}

const hydraPublicReachable: Check = {
  id: 'hydra.public-reachable',
  title: 'Hydra public API',
  run: (facts) =>
    withLive(facts, (hydra) => {
      if (!hydra.publicURL) {
        return warn(
          'hydra.public_url is not set: the issuer and the login redirect cannot be checked',
          'Set hydra.public_url (VESTIBULE_HYDRA_PUBLIC_URL) to the URL relying parties use.',
        );
      }
      if (hydra.public.ok) return ok(`alive and ready at ${hydra.publicURL}`);
      return fail(
        `${hydra.publicURL}: ${hydra.public.error}`,
        'Start Hydra (hydra serve all), or set hydra.public_url (VESTIBULE_HYDRA_PUBLIC_URL) to where it answers.',
      );
    }),
};

const hydraAdminReachable: Check = {
  id: 'hydra.admin-reachable',
  title: 'Hydra admin API',
  run: (facts) =>
    withLive(facts, (hydra) => {
      if (!hydra.adminURL) {
        return fail(
          'hydra.admin_url is not set: the edge cannot accept login, consent or logout requests',
          "Set hydra.admin_url (VESTIBULE_HYDRA_ADMIN_URL) to Hydra's in-cluster admin URL.",
        );
      }
      const version = hydra.admin.version ? ` (${hydra.admin.version})` : '';
      if (hydra.admin.ok) return ok(`alive and ready at ${hydra.adminURL}${version}`);
      return fail(
        `${hydra.adminURL}: ${hydra.admin.error}`,
        'Start Hydra, or set hydra.admin_url (VESTIBULE_HYDRA_ADMIN_URL) to where the edge reaches its admin API.',
      );
    }),
};

const hydraAdminPrivate: Check = {
  id: 'hydra.admin-private',
  title: 'Hydra admin API private',
  run: (facts) =>
    withLive(facts, (hydra) => {
      if (hydra.adminExposedAt.length === 0) return ok('not reachable from the public hosts');
      return fail(
        `Hydra's admin API answers at ${hydra.adminExposedAt.join(', ')}: anyone can accept a login for any user there`,
        "Bind Hydra's admin port to the cluster network only (serve.admin.host) and keep it out of the ingress.",
      );
    }),
};

const trim = (url: string) => url.replace(/\/+$/, '');

const hydraIssuer: Check = {
  id: 'hydra.issuer',
  title: "Hydra's issuer",
  run(facts) {
    if (!configured(facts)) return skip(NOT_CONFIGURED);
    // The issuer must be the URL relying parties reach Hydra at: hydra.public_url when set.
    const expected = facts.edge.hydra.public_url ?? facts.edge.server.public_url;
    const found = [
      ...(facts.live?.hydra?.discovery?.issuer
        ? [{ from: 'discovery', issuer: facts.live.hydra.discovery.issuer }]
        : []),
      ...(facts.hydra?.issuer ? [{ from: 'urls.self.issuer', issuer: facts.hydra.issuer }] : []),
    ];
    if (found.length === 0) {
      const why = facts.live?.hydra?.discovery?.error ?? 'not probed and no --hydra-config';
      return skip(`issuer unknown (${why})`);
    }
    const wrong = found.filter(({ issuer }) =>
      facts.edge.hydra.public_url
        ? trim(issuer) !== trim(expected)
        : originOf(issuer) !== publicOrigin(facts),
    );
    if (wrong.length > 0) {
      return fail(
        `${wrong.map((w) => `${w.from} says ${w.issuer}`).join(', ')}, not ${expected}: tokens name an issuer clients do not reach`,
        `Set Hydra's urls.self.issuer to ${trim(expected)}/.`,
      );
    }
    return ok(`${found[0]!.issuer} (${found.map((f) => f.from).join(' and ')})`);
  },
};

const hydraURLs: Check = {
  id: 'hydra.urls',
  title: "Hydra's login/consent/logout URLs",
  run(facts) {
    if (!configured(facts)) return skip(NOT_CONFIGURED);
    const origin = publicOrigin(facts);
    const problems: string[] = [];
    const sources: string[] = [];
    const live = facts.live?.hydra;
    // The edge is Hydra's login and consent app: the redirects must land on its /oauth2/* pages —
    // or, when kratos.yml sets oauth2_provider.url (Kratos accepts the challenge itself), the login
    // lands on the edge's own login page, which hands login_challenge to Kratos.
    const kratosAnswersLogin = Boolean(facts.kratos.oauth2ProviderURL);
    const loginPaths = kratosAnswersLogin ? ['/oauth2/login', '/login'] : ['/oauth2/login'];
    const learned: string[] = [];
    for (const step of ['login', 'consent'] as const) {
      const location = live?.[step]?.location;
      if (!location) continue;
      learned.push(step);
      const url = new URL(location);
      const paths = step === 'login' ? loginPaths : ['/oauth2/consent'];
      if (url.origin !== origin || !paths.includes(url.pathname))
        problems.push(`Hydra sends ${step} to ${url.origin}${url.pathname}`);
    }
    if (learned.length > 0) sources.push(`${learned.join(' and ')} learned live`);
    const file = facts.hydra;
    if (file) {
      const entries = Object.entries({
        login: file.login,
        consent: file.consent,
        logout: file.logout,
      });
      for (const [key, url] of entries)
        if (!url || originOf(url) !== origin) problems.push(`urls.${key} ${url ?? '(unset)'}`);
      sources.push('login, consent, logout from --hydra-config');
    }
    if (problems.length > 0) {
      return fail(
        `${problems.join(', ')}: not on the edge (${origin})`,
        `Set Hydra's urls.login, urls.consent and urls.logout to ${origin}/oauth2/login, /oauth2/consent and /oauth2/logout.`,
      );
    }
    const trouble = [live?.login?.error, live?.consent?.error, live?.login?.cleanup];
    if (trouble.some(Boolean)) {
      return warn(
        `the login/consent redirect probe: ${trouble.filter(Boolean).join('; ')}`,
        "Check that Hydra's admin API takes clients and login/consent requests from this machine.",
      );
    }
    if (sources.length === 0) return skip('not probed and no --hydra-config');
    const unchecked = file
      ? ''
      : `; ${learned.includes('consent') ? '' : 'consent and '}logout not checked (pass --hydra-config hydra.yml)`;
    const loginBy = kratosAnswersLogin ? "; Kratos's oauth2_provider answers the login" : '';
    return ok(`on ${origin} (${sources.join('; ')})${unchecked}${loginBy}`);
  },
};

export const HYDRA_CHECKS: readonly Check[] = [
  hydraPublicReachable,
  hydraAdminReachable,
  hydraAdminPrivate,
  hydraIssuer,
  hydraURLs,
];
