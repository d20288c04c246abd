// kratos.yml object → the frozen, normalised KratosConfig (types.ts). Validation and defaults come
// from spec.ts; this file only reshapes and resolves (DSN, schema URLs, base URLs, secrets).
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_BODY_LIMIT } from '../http/body.ts';
import { checkTree, ConfigError, type Checked, type ConfigWarning } from './check.ts';
import { resolveSessionCookie } from './cookies.ts';
import { applyEnvOverrides } from './env.ts';
import type { CORSConfig, FlowConfig, KratosConfig } from './types.ts';
import { webHooksOf } from './web-hooks.ts';

export interface ParseOptions {
  /** Directory relative schema paths and a relative DSN directory are resolved against. */
  baseDir?: string;
  /** Environment for Kratos-style overrides (DSN, SERVE_PUBLIC_BASE_URL, …); none when omitted. */
  env?: Record<string, string | undefined>;
  /** Vestibule's own request-body limit (not a Kratos key). */
  bodyLimitBytes?: number;
  /** How long a web_hook may take (Vestibule's; Kratos's HTTP client gives up after 30 s). */
  webHookTimeoutMs?: number;
}

const DEFAULT_WEB_HOOK_TIMEOUT_MS = 30_000;

export interface ParsedConfig {
  config: KratosConfig;
  warnings: ConfigWarning[];
}

export function parseConfig(raw: unknown, options: ParseOptions = {}): ParsedConfig {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError('(root)', 'the configuration must be a YAML/JSON object');
  }
  const withEnv = applyEnvOverrides((raw ?? {}) as Record<string, unknown>, options.env ?? {});
  const warnings: ConfigWarning[] = [];
  const c = checkTree(withEnv, warnings);
  const baseDir = options.baseDir ?? process.cwd();
  const ss = c.selfservice as Checked;
  const flows = ss.flows as Checked;
  const methods = ss.methods as Checked;
  if (ss.default_browser_return_url === undefined) {
    throw new ConfigError('selfservice.default_browser_return_url', 'required');
  }
  const config: KratosConfig = {
    serve: { public: listener(c, 'public'), admin: listener(c, 'admin') },
    selfservice: {
      default_browser_return_url: ss.default_browser_return_url as string,
      allowed_return_urls: ss.allowed_return_urls as string[],
      flows: {
        login: {
          ...flowConfig(flows.login),
          after_hooks: afterHooks(flows.login),
          style: pick(flows.login, 'style') as 'unified' | 'identifier_first',
        },
        registration: {
          ...flowConfig(flows.registration),
          after_hooks: afterHooks(flows.registration),
          style: pick(flows.registration, 'style') as 'profile_first' | 'unified',
        },
        recovery: { ...addressFlow(flows.recovery), after_hooks: afterHooks(flows.recovery) },
        verification: addressFlow(flows.verification),
        settings: {
          ...flowConfig(flows.settings),
          after_hooks: afterHooks(flows.settings),
          privileged_session_max_age_ms: pick(
            flows.settings,
            'privileged_session_max_age',
          ) as number,
          required_aal: pick(flows.settings, 'required_aal') as 'aal1' | 'highest_available',
        },
        logout: logoutConfig(flows.logout),
        error: { ui_url: pick(flows.error, 'ui_url') as string },
      },
      methods: methodsConfig(methods),
      web_hooks: webHooksOf(flows, warnings),
    },
    session: sessionConfig(c.session as Checked),
    cookies: cookieConfig(c.cookies as Checked),
    identity: identityConfig(c.identity as Checked, baseDir),
    hashers: hashersConfig(c.hashers as Checked),
    secrets: secretsConfig(c.secrets as Checked, warnings),
    courier: {
      smtp: smtpConfig(pick(c.courier, 'smtp') as Checked),
      message_retries: pick(c.courier, 'message_retries') as number,
    },
    dsn: normaliseDSN(c.dsn, baseDir),
    body_limit_bytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
    web_hook_timeout_ms: options.webHookTimeoutMs ?? DEFAULT_WEB_HOOK_TIMEOUT_MS,
    log: { level: logLevel(pick(c.log, 'level') as string) },
    oauth2_provider: oauth2ProviderConfig(c.oauth2_provider as Checked),
    security: {
      account_enumeration_mitigate: pick(
        pick(c.security, 'account_enumeration'),
        'mitigate',
      ) as boolean,
    },
    feature_flags: {
      use_continue_with_transitions: pick(
        c.feature_flags,
        'use_continue_with_transitions',
      ) as boolean,
      legacy_require_verified_login_error: pick(
        c.feature_flags,
        'legacy_require_verified_login_error',
      ) as boolean,
      faster_session_extend: pick(c.feature_flags, 'faster_session_extend') as boolean,
    },
  };
  // Kratos: session.cookie.{path,domain,same_site} override cookies.* and default to them.
  resolveSessionCookie(config);
  return { config: deepFreeze(config), warnings };
}

const pick = (node: unknown, key: string): unknown => (node as Checked)[key];

/** oauth2_provider.headers is a map of strings in Kratos's schema; anything else is refused. */
function oauth2ProviderConfig(o: Checked): KratosConfig['oauth2_provider'] {
  const raw = o.headers ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('oauth2_provider.headers', 'must be a map of header names to strings');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      throw new ConfigError(`oauth2_provider.headers.${name}`, 'must be a string');
    }
    headers[name] = value;
  }
  return {
    ...(typeof o.url === 'string' ? { url: o.url } : {}),
    headers,
    override_return_to: o.override_return_to === true,
  };
}

function listener(c: Checked, which: 'public' | 'admin'): KratosConfig['serve']['public'] {
  const node = pick(c.serve, which) as Checked;
  const host = node.host as string;
  const port = node.port as number;
  // Kratos derives the base URL from host and port when unset; a wildcard bind is reached via localhost.
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  const fallback = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  // Normalised without a trailing slash so handlers can append "/self-service/…" directly.
  const base_url = ((node.base_url as string | undefined) ?? fallback).replace(/\/+$/, '');
  const cors = which === 'public' ? (node.cors as CORSConfig | undefined) : undefined;
  return { base_url, host, port, ...(cors ? { cors } : {}) };
}

function flowConfig(node: unknown): FlowConfig {
  const enabled = pick(node, 'enabled');
  return {
    ui_url: pick(node, 'ui_url') as string,
    lifespan_ms: pick(node, 'lifespan') as number,
    enabled: enabled === undefined ? true : (enabled as boolean),
    after_return_urls: afterReturnURLs(node),
  };
}

/** after.default_browser_return_url (as `global`) and after.<method>.default_browser_return_url. */
function afterReturnURLs(node: unknown): Record<string, string> {
  const after = (pick(node, 'after') ?? {}) as Checked;
  const out: Record<string, string> = {};
  if (typeof after.default_browser_return_url === 'string') {
    out.global = after.default_browser_return_url;
  }
  for (const [method, value] of Object.entries(after)) {
    const url =
      typeof value === 'object' && value !== null
        ? pick(value, 'default_browser_return_url')
        : undefined;
    if (typeof url === 'string') out[method] = url;
  }
  return out;
}

function addressFlow(node: unknown): KratosConfig['selfservice']['flows']['recovery'] {
  return {
    ...flowConfig(node),
    use: pick(node, 'use') as 'code' | 'link',
    notify_unknown_recipients: pick(node, 'notify_unknown_recipients') as boolean,
  };
}

/**
 * Kratos runs `after.<method>.hooks` for a method and falls back to the global `after.hooks` when
 * the method has none (config.HookGlobal = "global"). Both are kept; see registrationAfterHooks().
 */
function afterHooks(node: unknown): Record<string, string[]> {
  const after = pick(node, 'after') as Checked;
  const out: Record<string, string[]> = {};
  if (after.hooks) out.global = hookNames(after.hooks);
  for (const [method, value] of Object.entries(after)) {
    const hooks = typeof value === 'object' && value !== null ? pick(value, 'hooks') : undefined;
    if (hooks) out[method] = hookNames(hooks);
  }
  return out;
}

const hookNames = (entries: unknown): string[] =>
  (entries as Array<{ hook: string }>).map((entry) => entry.hook);

function logoutConfig(node: unknown): KratosConfig['selfservice']['flows']['logout'] {
  const url = pick(pick(node, 'after'), 'default_browser_return_url') as string | undefined;
  return url === undefined ? {} : { after_default_browser_return_url: url };
}

function methodsConfig(m: Checked): KratosConfig['selfservice']['methods'] {
  const password = m.password as Checked;
  const pc = password.config as Checked;
  const code = m.code as Checked;
  const link = m.link as Checked;
  return {
    password: {
      enabled: password.enabled as boolean,
      haveibeenpwned_enabled: pc.haveibeenpwned_enabled as boolean,
      min_password_length: pc.min_password_length as number,
      identifier_similarity_check_enabled: pc.identifier_similarity_check_enabled as boolean,
      max_breaches: pc.max_breaches as number,
      haveibeenpwned_host: pc.haveibeenpwned_host as string,
      ignore_network_errors: pc.ignore_network_errors as boolean,
    },
    code: {
      enabled: code.enabled as boolean,
      lifespan_ms: pick(code.config, 'lifespan') as number,
    },
    link: {
      enabled: link.enabled as boolean,
      lifespan_ms: pick(link.config, 'lifespan') as number,
    },
    profile: { enabled: pick(m.profile, 'enabled') as boolean },
  };
}

function sessionConfig(s: Checked): KratosConfig['session'] {
  const cookie = s.cookie as Checked;
  return {
    lifespan_ms: s.lifespan as number,
    earliest_possible_extend_ms: (s.earliest_possible_extend as number | undefined) ?? null,
    whoami: { required_aal: pick(s.whoami, 'required_aal') as 'aal1' | 'highest_available' },
    cookie: {
      name: cookie.name as string,
      ...(cookie.domain ? { domain: cookie.domain as string } : {}),
      // session.cookie.path falls back to cookies.path in Kratos; resolved by the caller below.
      path: (cookie.path as string | undefined) ?? '',
      // Falls back to cookies.same_site (resolveSessionCookie) when unset, as in Kratos.
      same_site: (cookie.same_site ?? '') as 'Lax' | 'Strict' | 'None',
      persistent: cookie.persistent as boolean,
    },
  };
}

function cookieConfig(c: Checked): KratosConfig['cookies'] {
  return {
    ...(c.domain ? { domain: c.domain as string } : {}),
    path: c.path as string,
    same_site: c.same_site as 'Lax' | 'Strict' | 'None',
  };
}

function identityConfig(i: Checked, baseDir: string): KratosConfig['identity'] {
  const schemas = i.schemas as Array<{ id: string; url: string }> | undefined;
  if (!schemas)
    throw new ConfigError('identity.schemas', 'required (at least one identity schema)');
  const default_schema_id = i.default_schema_id as string;
  if (!schemas.some((s) => s.id === default_schema_id)) {
    throw new ConfigError(
      'identity.default_schema_id',
      `no schema with id "${default_schema_id}" in identity.schemas`,
    );
  }
  return {
    default_schema_id,
    schemas: schemas.map((s, n) => ({
      id: s.id,
      url: resolveSchemaURL(s.url, baseDir, `identity.schemas[${n}].url`),
    })),
  };
}

/** file://abs, file://relative (Kratos accepts both), a bare path, base64://… or http(s)://… */
export function resolveSchemaURL(url: string, baseDir: string, key: string): string {
  if (url.startsWith('base64://') || /^https?:\/\//i.test(url)) return url;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (scheme && scheme[1]!.toLowerCase() !== 'file') {
    throw new ConfigError(
      key,
      `unsupported schema URL scheme "${scheme[1]}" (use file://, base64:// or https://)`,
    );
  }
  const path = decodeURIComponent(scheme ? url.slice('file://'.length) : url);
  return pathToFileURL(isAbsolute(path) ? path : resolve(baseDir, path)).href;
}

function smtpConfig(s: Checked): KratosConfig['courier']['smtp'] {
  return {
    connection_uri: (s.connection_uri as string | undefined) ?? '',
    from_address: s.from_address as string,
    from_name: s.from_name as string,
  };
}

function hashersConfig(h: Checked): KratosConfig['hashers'] {
  const a = h.argon2 as Checked;
  return {
    algorithm: h.algorithm as 'bcrypt' | 'argon2',
    bcrypt: { cost: pick(h.bcrypt, 'cost') as number },
    argon2: {
      memory_kib: Math.max(8, Math.floor((a.memory as number) / 1024)),
      iterations: a.iterations as number,
      // Kratos defaults parallelism to 2 × CPUs; a fixed default keeps hashes identical across machines.
      parallelism: (a.parallelism as number | undefined) ?? 1,
      salt_length: a.salt_length as number,
      key_length: a.key_length as number,
    },
  };
}

function secretsConfig(s: Checked, warnings: ConfigWarning[]): KratosConfig['secrets'] {
  let fallback = (s.default as string[] | undefined) ?? [];
  if (fallback.length === 0 && !(s.cookie as string[] | undefined)?.length) {
    // Kratos refuses to run without secrets outside dev mode; we generate one and say so.
    fallback = [randomBytes(32).toString('hex')];
    warnings.push({
      code: 'insecure_default',
      key: 'secrets.default',
      message:
        'secrets.default is not set: using a random secret, cookies will not survive a restart',
    });
  }
  const cookie = (s.cookie as string[] | undefined)?.length ? (s.cookie as string[]) : fallback;
  const cipher = (s.cipher as string[] | undefined)?.length ? (s.cipher as string[]) : [];
  return { default: fallback.length ? fallback : cookie, cookie, cipher };
}

/** "memory" → in-process PGlite; postgres(ql):// → PostgreSQL; a path or file:// → PGlite data directory. */
export function normaliseDSN(dsn: unknown, baseDir: string): string {
  if (typeof dsn !== 'string' || dsn.trim() === '')
    throw new ConfigError('dsn', 'required (memory, a directory or postgres://…)');
  if (dsn === 'memory' || /^sqlite:\/\/.*mode=memory/i.test(dsn)) return 'memory';
  if (/^postgres(ql)?:\/\//i.test(dsn)) return dsn;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(dsn);
  if (scheme && scheme[1]!.toLowerCase() !== 'file') {
    throw new ConfigError(
      'dsn',
      `unsupported database "${scheme[1]}" (use memory, a directory path or postgres://)`,
    );
  }
  const path = scheme ? dsn.slice('file://'.length) : dsn;
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** Kratos (logrus) levels onto ours: trace → debug, warning → warn, fatal/panic → error. */
function logLevel(level: string): 'debug' | 'info' | 'warn' | 'error' {
  if (level === 'trace' || level === 'debug') return 'debug';
  if (level === 'warning') return 'warn';
  if (level === 'error' || level === 'fatal' || level === 'panic') return 'error';
  return 'info';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
