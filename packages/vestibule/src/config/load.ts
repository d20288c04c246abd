// Load vestibule.yml: YAML → env overrides → zod → frozen object. Errors name the key path
// (`gateway.rules[2].mode: expected one of public|optional|required|role`); unknown keys are warnings.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';
import { isLoopbackName } from '../lib/loopback.ts';
import { applyEnvOverrides } from './env.ts';
import { buildConfigSchemas, type EdgeConfig } from './schema.ts';

export interface ConfigWarning {
  /**
   * Stable code: CONFIG_UNKNOWN_KEY | CONFIG_PUBLIC_URL_NOT_HTTPS | CONFIG_DEV_MAILBOX_EXPOSED |
   * CONFIG_FORWARDS_SESSION_CREDENTIAL.
   */
  code: string;
  key: string;
  message: string;
}

export interface LoadedConfig {
  config: Readonly<EdgeConfig>;
  warnings: ConfigWarning[];
  /** The file's own values (no defaults, no env), for callers that layer settings of their own. */
  raw: Record<string, unknown>;
}

/** Every problem found, not only the first; `key` (from ConfigError) is the first one's path. */
export class InvalidConfig extends ConfigError {
  constructor(readonly problems: Array<{ key: string; message: string }>) {
    super(problems[0]?.key ?? '(root)', problems[0]?.message ?? 'invalid');
    this.message = problems.map((p) => `${p.key}: ${p.message}`).join('\n');
  }
}

export interface LoadOptions {
  env?: Record<string, string | undefined>;
}

export function loadConfigFile(path: string, options: LoadOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new InvalidConfig([{ key: '(file)', message: `cannot read ${path}: ${reason}` }]);
  }
  return loadConfigText(text, options);
}

export function loadConfigText(text: string, options: LoadOptions = {}): LoadedConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const [first] = doc.errors;
    const at = first?.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    throw new InvalidConfig([
      { key: '(yaml)', message: `not valid YAML${where} (${first?.code})` },
    ]);
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidConfig([
      { key: '(root)', message: 'expected a mapping of sections (server, kratos, …)' },
    ]);
  }
  return loadConfigObject(raw as Record<string, unknown>, options);
}

export function loadConfigObject(
  input: Record<string, unknown>,
  options: LoadOptions = {},
): LoadedConfig {
  const { raw, fromEnv } = applyEnvOverrides(input, options.env ?? process.env);
  const schemas = configSchemas();
  const strict = schemas.strict.safeParse(raw, { reportInput: true });
  const warnings: ConfigWarning[] = [];
  const problems: Array<{ key: string; message: string }> = [];
  for (const issue of strict.success ? [] : strict.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = formatPath([...issue.path, key]);
        warnings.push({
          code: 'CONFIG_UNKNOWN_KEY',
          key: path,
          message: `unknown key "${path}" is ignored`,
        });
      }
      continue;
    }
    const key = formatPath(issue.path);
    const env = fromEnv.get(key);
    problems.push({ key: env ? `${key} (from ${env})` : key, message: describeIssue(issue) });
  }
  if (problems.length > 0) throw new InvalidConfig(problems);
  // Only unknown keys (or nothing) went wrong: the lenient schema strips them.
  const config = schemas.lenient.parse(raw);
  if (config.server.public_url.startsWith('http://') && !isLocal(config.server.public_url)) {
    warnings.push({
      code: 'CONFIG_PUBLIC_URL_NOT_HTTPS',
      key: 'server.public_url',
      message: 'public_url is plain http on a non-local host: cookies will not be marked Secure',
    });
  }
  if (config.dev.mailbox && !isLoopbackHost(config.server.host)) {
    warnings.push({
      code: 'CONFIG_DEV_MAILBOX_EXPOSED',
      key: 'dev.mailbox',
      message: `the dev mailbox shows recovery and verification codes to anyone who can reach ${config.server.host}`,
    });
  }
  const metricsHost = config.metrics.host ?? config.server.host;
  if (
    config.metrics.port !== undefined &&
    !config.metrics.bearer_token &&
    !isLoopbackHost(metricsHost)
  ) {
    warnings.push({
      code: 'CONFIG_METRICS_EXPOSED',
      key: 'metrics.bearer_token',
      message: `metrics on port ${config.metrics.port} answer anyone who can reach ${metricsHost}: set metrics.bearer_token, or metrics.host to a private address`,
    });
  }
  warnings.push(...sessionCredentialWarnings(config));
  return { config: deepFreeze(config), warnings, raw: input };
}

// The schemas of the last load, kept only until V8 collects them: loads in a row (`vestibule serve`
// loads the file, then again with its flags) build them once, and the long-lived edge drops them at
// its next full collection (held for good, ~2 MB of heap; rebuilding costs ~40 ms, zod's parsers).
let lastSchemas: WeakRef<ReturnType<typeof buildConfigSchemas>> | undefined;
function configSchemas(): ReturnType<typeof buildConfigSchemas> {
  const reused = lastSchemas?.deref();
  if (reused) return reused;
  const built = buildConfigSchemas();
  lastSchemas = new WeakRef(built);
  return built;
}

/** Each upstream that opted in to receiving the session credential (issue 13). */
function sessionCredentialWarnings(config: EdgeConfig): ConfigWarning[] {
  const keys = config.gateway.forward_session_credential
    ? ['gateway.forward_session_credential']
    : [];
  config.gateway.upstream_secrets.forEach((u, i) => {
    if (u.forward_session_credential) {
      keys.push(`gateway.upstream_secrets[${i}].forward_session_credential`);
    }
  });
  return keys.map((key) => ({
    code: 'CONFIG_FORWARDS_SESSION_CREDENTIAL',
    key,
    message:
      'this upstream receives the Kratos session cookie and token: the app can act as the user at Kratos',
  }));
}

/** `['gateway', 'rules', 2, 'mode']` → `gateway.rules[2].mode`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join('|')}`;
    case 'invalid_type':
      return issue.input === undefined
        ? 'required'
        : `expected ${issue.expected}, got ${typeOf(issue.input)}`;
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'custom':
      return issue.message;
    default:
      return issue.message;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return isLoopbackName(host) || host.endsWith('.localhost');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
