// Access rules: compiled once at startup (invalid rules throw ConfigError naming the rule), then
// matched first-match-wins on the normalised path and the method. No match → default decision.
import { ConfigError } from '../lib/errors.ts';
import {
  HEADER_SIGNATURE,
  HEADER_USER_SCOPES,
  IDENTITY_HEADERS,
  MAX_SIGNED_HEADERS,
  SIGNABLE_HEADER_NAME,
} from '../identity-headers/sign.ts';
import { parseRateSpec, type RateSpec } from '../rate-limit/spec.ts';
import { globToRegExp } from './glob.ts';
import { validateHeaderTemplate } from './templates.ts';

export const ACCESS_MODES = [
  'public',
  'optional',
  'required',
  'role',
  'permission',
  'deny',
] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];
export type CredentialKind = 'cookie' | 'token' | 'access_token';

export interface PermissionTemplate {
  namespace: string;
  relation: string;
  /** Object id; `{path}` and `{method}` are replaced at request time. Default: the request path. */
  object?: string;
}

export interface UpstreamOverride {
  url: string;
  /** Remove this prefix from the path before forwarding (Oathkeeper `strip_path`). */
  stripPath?: string;
  /** Forward the client's Host header instead of the upstream's (Oathkeeper `preserve_host`). */
  preserveHost?: boolean;
}

/** One rule as written in config (same keys as `gateway.rules[]` in vestibule.yml). */
export interface AccessRuleConfig {
  id?: string;
  /** Glob on the path (see glob.ts). Exactly one of path/regex. */
  path?: string;
  /** Regular expression on the path, anchored for you if it is not. */
  regex?: string;
  /** Methods this rule applies to; all when omitted. */
  methods?: readonly string[];
  mode: AccessMode;
  roles?: readonly string[];
  permission?: PermissionTemplate;
  upstream?: UpstreamOverride;
  /**
   * Which credentials authenticate on this rule (Oathkeeper authenticators): the Kratos session
   * cookie, a Kratos session token, a Hydra access token. Default cookie and token; access tokens
   * only where a rule lists `access_token` or `scopes` (a token's client must not reach every route
   * its user can).
   */
  credentials?: ReadonlyArray<CredentialKind>;
  /**
   * Scopes a Hydra access token must have been granted, all of them, matched as Hydra matches them
   * (`hydra.scope_strategy`); implies `access_token`. Missing one: 403 INSUFFICIENT_SCOPE. Kratos
   * sessions are not scoped.
   */
  scopes?: readonly string[];
  /**
   * This rule's scope matching when it must differ from the gateway's (an imported Oathkeeper rule
   * with `scope_strategy: exact`): `exact` or `wildcard`, fosite's strategies.
   */
  scope_strategy?: RuleScopeStrategy;
  /** Extra headers to inject, from `{{ .Subject }}`-style templates (Oathkeeper header mutator). */
  headers?: Readonly<Record<string, string>>;
  /**
   * `off` lets cookie-authenticated unsafe requests and WebSocket upgrades from other sites through
   * (see cross-site.ts); default `on`. For webhooks and cross-site form posts you mean to accept.
   */
  csrf?: 'on' | 'off';
  /**
   * Requests per window (`600/1m`) for signed-in callers, counted per identity, and for anonymous
   * ones, counted per client address (IPv6 per /64). Over it: 429 with Retry-After.
   */
  rate_limit?: { per_identity?: string; per_anonymous_address?: string };
}

/** fosite's scope strategies (the access-token folder implements them). */
export type RuleScopeStrategy = 'exact' | 'wildcard';

export interface CompiledRule {
  readonly id: string;
  readonly mode: AccessMode;
  readonly roles: ReadonlySet<string>;
  readonly methods: ReadonlySet<string> | null;
  readonly pattern: RegExp;
  readonly permission?: PermissionTemplate;
  readonly upstream?: UpstreamOverride;
  /** The Kratos credentials this rule accepts (possibly none when it takes access tokens only). */
  readonly credentials: ReadonlySet<'cookie' | 'token'>;
  /** Hydra access tokens accepted, and the scopes they need; absent: not accepted here. */
  readonly accessToken?: {
    readonly scopes: readonly string[];
    /** Set only when the rule overrides the gateway's scope strategy. */
    readonly scopeStrategy?: RuleScopeStrategy;
  };
  readonly headers: Readonly<Record<string, string>>;
  /** Refuse cookie-authenticated cross-site unsafe requests and upgrades (csrf: on). */
  readonly csrf: boolean;
  /** `headers` as [lower-case name, template] pairs: what the edge renders, sends and signs. */
  readonly headerTemplates: ReadonlyArray<readonly [string, string]>;
  readonly rateLimit?: { readonly perIdentity?: RateSpec; readonly perAnonymousAddress?: RateSpec };
}

export interface RuleSet {
  readonly rules: readonly CompiledRule[];
  match(method: string, path: string): CompiledRule | undefined;
  /**
   * True when another server's reading of `path` would pick a different rule than `rule` (the
   * strict match): ignoring case (Express's default router, ASP.NET, IIS), a trailing slash
   * (non-strict routers), `;` path parameters (Tomcat, Jetty, Spring), or HEAD served as GET. `/ADMIN/users` or `/admin;x/users` would otherwise miss an
   * `/admin/**` rule here yet reach /admin/users there.
   */
  ambiguous(method: string, path: string, rule: CompiledRule | undefined): boolean;
}

/**
 * Whether a rule's `methods` admit `method`. HEAD is admitted wherever GET is: Node's http, Express
 * and most frameworks answer HEAD with the GET handler, so a GET rule must decide HEAD too (a GET-only
 * protected rule skipped by HEAD would expose that handler's status, headers and side effects).
 */
function allowsMethod(rule: CompiledRule, method: string): boolean {
  if (!rule.methods || rule.methods.has(method)) return true;
  return method === 'HEAD' && rule.methods.has('GET');
}

export function compileRules(configs: readonly AccessRuleConfig[]): RuleSet {
  if (!Array.isArray(configs)) throw new ConfigError('gateway.rules', 'expected a list of rules');
  const rules = configs.map((config, index) => Object.freeze(compileRule(config, index)));
  const loose = rules.map((rule) => new RegExp(rule.pattern.source, 'i'));
  // Lower-case rules and a lower-case path without `;` read the same either way: the common case
  // skips the second pass.
  const rulesHaveUpper = rules.some((rule) => /[A-Z]/.test(rule.pattern.source));
  // Whether some rule may match a path ending in `/` (then `/x` must be checked as `/x/` too): a glob
  // says so in its last character — `/`, or `*` (`/admin/*` and `/admin/**` match `/admin/`); a
  // regex cannot be read that way, so any regex rule counts. The root glob `/` matches only `/`.
  const rulesMayEndInSlash = configs.some(
    (config) =>
      config.regex !== undefined ||
      (config.path !== undefined && config.path !== '/' && /[/*]$/.test(config.path)),
  );
  const match = (method: string, path: string): CompiledRule | undefined => {
    for (const rule of rules) {
      if (!allowsMethod(rule, method)) continue;
      if (rule.pattern.test(path)) return rule;
    }
    return undefined;
  };
  return Object.freeze({
    rules: Object.freeze(rules),
    match,
    ambiguous(method: string, path: string, rule: CompiledRule | undefined) {
      // HEAD already matches GET rules; a HEAD-specific rule before them would still let HEAD reach
      // the GET handler under a different mode.
      if (method === 'HEAD' && match('GET', path) !== rule) return true;
      const hasParams = path.includes(';');
      const trailing = path.length > 1 && path.endsWith('/');
      if (
        !hasParams &&
        !trailing &&
        !rulesHaveUpper &&
        !rulesMayEndInSlash &&
        !/[A-Z]/.test(path)
      ) {
        return false;
      }
      const stripped = hasParams ? path.replace(/;[^/]*/g, '') : path;
      // Non-strict routers (Express's default) serve `/account/` from `/account` and vice versa.
      const variants = [path, stripped, trailing ? stripped.replace(/\/+$/, '') : `${stripped}/`];
      for (let i = 0; i < rules.length; i++) {
        const candidate = rules[i]!;
        if (!allowsMethod(candidate, method)) continue;
        if (variants.some((v) => loose[i]!.test(v))) return candidate !== rule;
      }
      return rule !== undefined;
    },
  });
}

function compileRule(config: AccessRuleConfig, index: number): CompiledRule {
  const key = `gateway.rules[${index}]${config?.id ? ` (${config.id})` : ''}`;
  if (!config || typeof config !== 'object') throw new ConfigError(key, 'expected an object');
  if (!ACCESS_MODES.includes(config.mode)) {
    throw new ConfigError(`${key}.mode`, `expected one of ${ACCESS_MODES.join('|')}`);
  }
  if (Boolean(config.path) === Boolean(config.regex)) {
    throw new ConfigError(key, 'set exactly one of path or regex');
  }
  if (config.mode === 'role' && !config.roles?.length) {
    throw new ConfigError(`${key}.roles`, 'required when mode is role');
  }
  if (config.mode === 'permission' && !config.permission) {
    throw new ConfigError(`${key}.permission`, 'required when mode is permission');
  }
  const credentials = config.credentials ?? ['cookie', 'token'];
  if (!Array.isArray(credentials) || credentials.length === 0) {
    throw new ConfigError(`${key}.credentials`, 'must not be empty');
  }
  for (const kind of credentials) {
    if (kind !== 'cookie' && kind !== 'token' && kind !== 'access_token') {
      throw new ConfigError(`${key}.credentials`, 'expected cookie, token or access_token');
    }
  }
  const accessToken = compileAccessToken(config, credentials, key);
  if (config.upstream && !URL.canParse(config.upstream.url)) {
    throw new ConfigError(`${key}.upstream.url`, 'expected an absolute URL');
  }
  if (config.csrf !== undefined && config.csrf !== 'on' && config.csrf !== 'off') {
    throw new ConfigError(`${key}.csrf`, 'expected on|off');
  }
  const headerTemplates = compileHeaderTemplates(config.headers ?? {}, `${key}.headers`);
  const rateLimit = config.rate_limit && compileRateLimit(config.rate_limit, `${key}.rate_limit`);
  return {
    id: config.id ?? `rule-${index}`,
    mode: config.mode,
    roles: new Set(config.roles ?? []),
    methods: config.methods?.length ? new Set(config.methods.map((m) => m.toUpperCase())) : null,
    pattern: patternOf(config, key),
    permission: config.permission,
    upstream: config.upstream,
    credentials: new Set(credentials.filter((kind) => kind !== 'access_token')) as Set<
      'cookie' | 'token'
    >,
    ...(accessToken ? { accessToken } : {}),
    headers: config.headers ?? {},
    csrf: config.csrf !== 'off',
    headerTemplates,
    ...(rateLimit ? { rateLimit } : {}),
  };
}

// A token scope is an RFC 6749 scope-token: printable ASCII without space, `"` or `\`.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function compileAccessToken(
  config: AccessRuleConfig,
  credentials: readonly CredentialKind[],
  key: string,
): CompiledRule['accessToken'] {
  const scopes = config.scopes;
  const strategy = config.scope_strategy;
  if (strategy !== undefined && strategy !== 'exact' && strategy !== 'wildcard') {
    throw new ConfigError(`${key}.scope_strategy`, 'expected exact or wildcard');
  }
  if (strategy !== undefined && scopes === undefined) {
    throw new ConfigError(`${key}.scope_strategy`, 'has no effect without scopes');
  }
  if (scopes === undefined) {
    return credentials.includes('access_token') ? { scopes: [] } : undefined;
  }
  if (!Array.isArray(scopes)) throw new ConfigError(`${key}.scopes`, 'expected a list of scopes');
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new ConfigError(`${key}.scopes`, `not a scope name: ${JSON.stringify(scope)}`);
    }
  }
  if (config.mode === 'public' || config.mode === 'deny') {
    throw new ConfigError(`${key}.scopes`, `has no effect when mode is ${config.mode}`);
  }
  if (config.credentials && !config.credentials.includes('access_token')) {
    throw new ConfigError(`${key}.scopes`, 'needs access_token in credentials');
  }
  return {
    scopes: Object.freeze([...new Set(scopes)]),
    ...(strategy ? { scopeStrategy: strategy } : {}),
  };
}

function compileRateLimit(
  config: NonNullable<AccessRuleConfig['rate_limit']>,
  key: string,
): CompiledRule['rateLimit'] {
  const spec = (name: 'per_identity' | 'per_anonymous_address') => {
    const text = config[name];
    if (text === undefined) return undefined;
    const parsed = typeof text === 'string' ? parseRateSpec(text) : undefined;
    if (!parsed) throw new ConfigError(`${key}.${name}`, 'expected requests/window, e.g. 600/1m');
    return parsed;
  };
  const perIdentity = spec('per_identity');
  const perAnonymousAddress = spec('per_anonymous_address');
  if (!perIdentity && !perAnonymousAddress) {
    throw new ConfigError(key, 'set per_identity, per_anonymous_address or both');
  }
  return {
    ...(perIdentity ? { perIdentity } : {}),
    ...(perAnonymousAddress ? { perAnonymousAddress } : {}),
  };
}

/** Rule headers are signed by name (see docs/identity-headers.md): names must be plain tokens. */
function compileHeaderTemplates(
  headers: Readonly<Record<string, string>>,
  key: string,
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const reserved = new Set<string>([...IDENTITY_HEADERS, HEADER_USER_SCOPES, HEADER_SIGNATURE]);
  for (const [name, template] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!SIGNABLE_HEADER_NAME.test(lower)) {
      throw new ConfigError(`${key}.${name}`, 'header names may use only letters, digits, - and _');
    }
    if (reserved.has(lower)) {
      throw new ConfigError(
        `${key}.${name}`,
        `reserved for the edge's signed identity headers (${[...reserved].join(', ')}): choose another name`,
      );
    }
    if (out.some(([other]) => other === lower)) {
      throw new ConfigError(`${key}.${name}`, 'set twice (header names are case-insensitive)');
    }
    const problem = validateHeaderTemplate(String(template));
    if (problem) throw new ConfigError(`${key}.${name}`, problem);
    out.push([lower, String(template)]);
  }
  // One signed slot stays free for x-user-scopes.
  if (out.length >= MAX_SIGNED_HEADERS) {
    throw new ConfigError(key, `at most ${MAX_SIGNED_HEADERS} headers per rule`);
  }
  return out;
}

function patternOf(config: AccessRuleConfig, key: string): RegExp {
  try {
    if (config.path) return globToRegExp(config.path);
    // Always anchored, and grouped so that `a|b` cannot escape the anchors.
    return new RegExp(`^(?:${config.regex!})$`);
  } catch (err) {
    throw new ConfigError(`${key}.${config.path ? 'path' : 'regex'}`, (err as Error).message);
  }
}
