// The only Kratos paths a browser may reach through the proxy: Kratos's public, browser-facing API
// (shared/ory/kratos/openapi.v26.2.0.json minus `/admin/*` and `/version`, plus the OIDC/SAML
// callback routes Kratos registers on its public router: selfservice/strategy/oidc RouteCallback,
// RouteAuth and the organization callback). Everything else is a 404 from the proxy itself, so an
// admin route can never be reached even if a Kratos deployment mounts admin handlers on the public port.
//
// Patterns are matched segment by segment, case-sensitively (Kratos's router is case-sensitive;
// a case-folded `/Admin/...` must not slip through). `*` matches exactly one segment.

const FLOWS = ['login', 'registration', 'recovery', 'verification', 'settings'];

const PATTERNS: readonly string[] = [
  ...FLOWS.flatMap((flow) => [
    `self-service/${flow}`,
    `self-service/${flow}/browser`,
    `self-service/${flow}/api`,
    `self-service/${flow}/flows`,
  ]),
  'self-service/logout',
  'self-service/logout/browser',
  'self-service/logout/api',
  'self-service/errors',
  'self-service/fed-cm/parameters',
  'self-service/fed-cm/token',
  'self-service/methods/oidc/auth/*',
  'self-service/methods/oidc/callback/*',
  'self-service/methods/oidc/organization/*/callback/*',
  'self-service/methods/saml/auth/*',
  'self-service/methods/saml/acs/*',
  'sessions',
  'sessions/whoami',
  'sessions/token-exchange',
  'sessions/*',
  'schemas',
  'schemas/*',
  '.well-known/ory/webauthn.js',
  'health/alive',
  'health/ready',
];

const COMPILED = PATTERNS.map((p) => p.split('/'));

/** True when the normalised segments (no prefix) name a Kratos public, browser-facing endpoint. */
export function isKratosPublicPath(segments: readonly string[]): boolean {
  return COMPILED.some(
    (pattern) =>
      pattern.length === segments.length &&
      pattern.every((part, i) => part === '*' || part === segments[i]),
  );
}

/** The self-service flows whose submit endpoint (`POST /self-service/<flow>?flow=<id>`) is single-use. */
export const SUBMITTABLE_FLOWS: ReadonlySet<string> = new Set(FLOWS);
