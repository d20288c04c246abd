// Import of Oathkeeper access-rule files (JSON or YAML) into gateway rules, so existing rule files
// keep working. What maps and what does not: docs/oathkeeper-rules.md. Anything we cannot honour
// faithfully is an import error naming the rule (or a warning when ignoring it cannot open access):
// a rule silently weakened is a hole.
import { readFile } from 'node:fs/promises';
import { parse as parseYAML } from 'yaml';
import { ConfigError } from '../lib/errors.ts';
import type {
  AccessMode,
  AccessRuleConfig,
  CredentialKind,
  RuleScopeStrategy,
} from '../access/rules.ts';
import { segmentsToRegex, splitHostAndPath, splitSegments } from './patterns.ts';
import { validateHeaderTemplate } from '../access/templates.ts';

export interface OathkeeperImport {
  rules: AccessRuleConfig[];
  warnings: string[];
}

export interface OathkeeperImportOptions {
  /** Oathkeeper's `access_rules.matching_strategy`. Default `regexp`, as in Oathkeeper. */
  matchingStrategy?: 'regexp' | 'glob';
  /**
   * The edge's public URL (`server.public_url`). Oathkeeper matches `scheme://Host/path`; the edge
   * serves this one origin, so a rule whose scheme/host part does not match it is skipped (warning).
   * Without it the scheme/host part is not checked, and a warning says when rules name different hosts.
   */
  publicURL?: string;
  /** Used in error messages. */
  source?: string;
}

interface ImportContext {
  strategy: 'regexp' | 'glob';
  source: string;
  /** `scheme://host[:port]` of the public URL, as Oathkeeper builds it from the request. */
  origin: string | undefined;
  warnings: string[];
  /** scheme/host part of match.url → the rules naming it. */
  hosts: Map<string, string[]>;
  /** Rules skipped because their scheme/host does not match the origin. */
  otherHosts: number;
}

type Handler = { handler?: unknown; config?: unknown };
const SESSION_AUTHENTICATORS: Record<string, 'cookie' | 'token'> = {
  cookie_session: 'cookie',
  bearer_token: 'token',
};

export async function loadOathkeeperRulesFile(
  path: string,
  options: Omit<OathkeeperImportOptions, 'source'> = {},
): Promise<OathkeeperImport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      'gateway.oathkeeper_rules_file',
      `cannot read ${path}: ${(err as Error).message}`,
    );
  }
  let document: unknown;
  try {
    document = parseYAML(text); // YAML is a superset of JSON: one parser for both formats
  } catch (err) {
    throw new ConfigError(
      'gateway.oathkeeper_rules_file',
      `${path} is not valid JSON/YAML: ${(err as Error).message}`,
    );
  }
  return importOathkeeperRules(document, { ...options, source: path });
}

export function importOathkeeperRules(
  document: unknown,
  options: OathkeeperImportOptions = {},
): OathkeeperImport {
  const source = options.source ?? 'oathkeeper rules';
  if (!Array.isArray(document)) throw new ConfigError(source, 'expected a list of access rules');
  const context: ImportContext = {
    strategy: options.matchingStrategy ?? 'regexp',
    source,
    origin: options.publicURL === undefined ? undefined : originOf(options.publicURL, source),
    warnings: [],
    hosts: new Map(),
    otherHosts: 0,
  };
  const rules = document.flatMap((raw, index) => importRule(raw, index, context) ?? []);
  if (rules.length === 0 && context.otherHosts > 0) {
    // Every rule is for another origin: almost certainly the wrong file or public_url, and with
    // default_decision allow it would leave everything open.
    throw new ConfigError(source, `no rule matches the public origin ${context.origin}`);
  }
  if (!context.origin && context.hosts.size > 1) {
    const named = [...context.hosts].map(([host, keys]) => `${host} (${keys.join(', ')})`);
    context.warnings.push(
      `${source}: rules name different hosts: ${named.join('; ')}. Without the public URL the edge ` +
        'matches only the path, so each rule applies to every host',
    );
  }
  return { rules, warnings: context.warnings };
}

function originOf(publicURL: string, source: string): string {
  if (!URL.canParse(publicURL))
    throw new ConfigError(`${source} publicURL`, 'expected an absolute URL');
  const url = new URL(publicURL);
  return `${url.protocol}//${url.host}`; // default port omitted, as browsers omit it from Host
}

/** One Oathkeeper rule → a gateway rule, or undefined (with a warning) when it cannot apply here. */
function importRule(
  raw: unknown,
  index: number,
  context: ImportContext,
): AccessRuleConfig | undefined {
  const { source, warnings } = context;
  if (!raw || typeof raw !== 'object')
    throw new ConfigError(`${source}[${index}]`, 'expected an object');
  const rule = raw as Record<string, unknown>;
  const id = typeof rule.id === 'string' && rule.id ? rule.id : `oathkeeper-${index}`;
  const key = `${source}[${index}] (${id})`;
  const match = rule.match as { url?: unknown; methods?: unknown } | undefined;
  if (!match || typeof match.url !== 'string')
    throw new ConfigError(`${key}.match.url`, 'required');
  const pattern = matchPattern(match.url, key, context);
  const methods = Array.isArray(match.methods) ? match.methods.map(String) : [];
  const { mode, credentials, scopes, scopeStrategy } = modeOf(rule, key, warnings);
  const out: AccessRuleConfig = { id, regex: pattern.regex ?? '(?!)', mode, methods, credentials };
  if (scopes) out.scopes = scopes;
  if (scopeStrategy) out.scope_strategy = scopeStrategy;
  const headers = mutatorHeaders(rule.mutators, key, mode, warnings);
  if (headers) out.headers = headers;
  const upstream = rule.upstream as
    { url?: unknown; strip_path?: unknown; preserve_host?: unknown } | undefined;
  if (upstream && typeof upstream.url === 'string' && upstream.url) {
    out.upstream = {
      url: upstream.url,
      stripPath: typeof upstream.strip_path === 'string' ? upstream.strip_path : undefined,
      preserveHost: upstream.preserve_host === true,
    };
  }
  // Checked after the whole rule is validated: Oathkeeper refuses a file with a bad rule anywhere.
  const skip =
    pattern.skip ??
    // Oathkeeper matches the method against match.methods only: an empty list matches nothing.
    (methods.length === 0 ? 'no match.methods, so Oathkeeper never matches it' : undefined);
  if (skip) {
    warnings.push(`${key}: not imported: ${skip}`);
    return undefined;
  }
  if (Array.isArray(rule.errors) && rule.errors.length) {
    warnings.push(
      `${key}: error handlers are ignored; the edge redirects browsers to /login and answers APIs with JSON`,
    );
  }
  return out;
}

/** Authenticators + authorizer → a gateway mode (see the mapping table in the docs). */
function modeOf(
  rule: Record<string, unknown>,
  key: string,
  warnings: string[],
): {
  mode: AccessMode;
  credentials?: CredentialKind[];
  scopes?: string[];
  scopeStrategy?: RuleScopeStrategy;
} {
  const authorizer = handlerName(rule.authorizer, `${key}.authorizer`) ?? 'allow';
  if (authorizer === 'deny') return { mode: 'deny' };
  if (authorizer !== 'allow') {
    throw new ConfigError(
      `${key}.authorizer`,
      `handler "${authorizer}" is not supported (allow, deny); use a gateway rule with mode role or permission`,
    );
  }
  const authenticators = Array.isArray(rule.authenticators) ? rule.authenticators : [];
  const names = authenticators.map((a, i) => handlerName(a, `${key}.authenticators[${i}]`) ?? '');
  if (names.length === 0)
    throw new ConfigError(`${key}.authenticators`, 'at least one authenticator is required');
  const credentials: CredentialKind[] = [];
  let scopes: string[] | undefined;
  let scopeStrategy: RuleScopeStrategy | undefined;
  let anonymous = false;
  for (const [i, name] of names.entries()) {
    if (name in SESSION_AUTHENTICATORS) credentials.push(SESSION_AUTHENTICATORS[name]!);
    else if (name === 'anonymous' || name === 'noop') anonymous = true;
    else if (name === 'oauth2_introspection') {
      credentials.push('access_token');
      const config = (authenticators[i] as Handler).config;
      ({ scopes, scopeStrategy } = introspectionScopes(
        config,
        `${key}.authenticators[${i}]`,
        warnings,
      ));
    } else
      throw new ConfigError(
        `${key}.authenticators[${i}]`,
        `handler "${name}" is not supported (cookie_session, bearer_token, oauth2_introspection, anonymous, noop)`,
      );
  }
  if (credentials.length === 0) return { mode: 'public' };
  return {
    mode: anonymous ? 'optional' : 'required',
    credentials,
    ...(scopes ? { scopes } : {}),
    ...(scopeStrategy ? { scopeStrategy } : {}),
  };
}

/**
 * Oathkeeper's `oauth2_introspection` config → the rule's scopes and how they match. The edge
 * introspects at `hydra.admin_url` with its own cache and matches scopes itself: Oathkeeper's
 * `scope_strategy: none` (its default: Hydra checks the scopes, by its `strategies.scope`) is the
 * edge's `hydra.scope_strategy`; `exact` and `wildcard` stay on the rule; `hierarchic` (a granted
 * `notes` covers `notes.read`, which neither fosite strategy allows) is checked exactly, with a
 * warning: never looser than Oathkeeper.
 */
function introspectionScopes(
  config: unknown,
  key: string,
  warnings: string[],
): { scopes: string[]; scopeStrategy?: RuleScopeStrategy } {
  const c = (config && typeof config === 'object' ? config : {}) as Record<string, unknown>;
  const required = c.required_scope ?? [];
  if (!Array.isArray(required) || !required.every((s) => typeof s === 'string')) {
    throw new ConfigError(`${key}.config.required_scope`, 'expected a list of scopes');
  }
  const strategy = c.scope_strategy ?? 'none';
  if (!['none', 'exact', 'wildcard', 'hierarchic'].includes(strategy as string)) {
    throw new ConfigError(
      `${key}.config.scope_strategy`,
      'expected hierarchic, exact, wildcard or none',
    );
  }
  if (strategy === 'hierarchic') {
    warnings.push(`${key}: scope_strategy hierarchic is checked as exact scope names on the edge`);
  }
  const scopeStrategy: RuleScopeStrategy | undefined =
    strategy === 'none' || required.length === 0
      ? undefined
      : strategy === 'wildcard'
        ? 'wildcard'
        : 'exact';
  // These narrow which tokens pass: dropping them would let more through than Oathkeeper did.
  for (const narrowing of ['target_audience', 'trusted_issuers']) {
    if (c[narrowing] !== undefined) {
      throw new ConfigError(
        `${key}.config.${narrowing}`,
        'is not supported by the edge; remove it (or keep this rule in Oathkeeper)',
      );
    }
  }
  for (const ignored of [
    'introspection_url',
    'token_from',
    'pre_authorization',
    'introspection_request_headers',
    'cache',
  ]) {
    if (c[ignored] !== undefined) {
      warnings.push(
        `${key}: ${ignored} is not imported; the edge introspects at hydra.admin_url with its own cache`,
      );
    }
  }
  return { scopes: required as string[], ...(scopeStrategy ? { scopeStrategy } : {}) };
}

function mutatorHeaders(
  mutators: unknown,
  key: string,
  mode: AccessMode,
  warnings: string[],
): Record<string, string> | undefined {
  if (!Array.isArray(mutators)) return undefined;
  let headers: Record<string, string> | undefined;
  for (const [i, mutator] of mutators.entries()) {
    const name = handlerName(mutator, `${key}.mutators[${i}]`);
    if (name === 'noop') continue;
    if (name !== 'header')
      throw new ConfigError(
        `${key}.mutators[${i}]`,
        `handler "${name}" is not supported (header, noop)`,
      );
    const config = (mutator as Handler).config as { headers?: Record<string, unknown> } | undefined;
    for (const [header, template] of Object.entries(config?.headers ?? {})) {
      const at = `${key}.mutators[${i}].config.headers.${header}`;
      const problem = validateHeaderTemplate(String(template));
      if (problem) throw new ConfigError(at, problem);
      if (mapsOntoIdentityHeader(header, String(template), at)) {
        if (mode === 'public') {
          warnings.push(
            `${at}: not sent: on a rule without a session authenticator the edge sends no identity ` +
              'headers (Oathkeeper would send the anonymous subject)',
          );
        }
        continue;
      }
      headers = { ...headers, [header]: String(template) };
    }
  }
  return headers;
}

/**
 * The runbook's rule sets `X-User-Id: {{ print .Subject }}` and `X-User-Email:
 * {{ print .Extra.identity.traits.email }}`: the very values the edge already sends, signed, under
 * those names. Such a header is dropped from the rule (the edge's own header carries it); the same
 * name with any other value cannot be honoured without forging the edge's header, so it is refused.
 */
function mapsOntoIdentityHeader(header: string, template: string, at: string): boolean {
  const expected = EDGE_IDENTITY_TEMPLATES[header.toLowerCase()];
  if (!expected) return false;
  const expression = /^\s*\{\{-?\s*(?:print\s+)?(\.[A-Za-z0-9_.]+)\s*-?\}\}\s*$/.exec(
    template,
  )?.[1];
  if (expression && expected.expressions.includes(expression)) return true;
  throw new ConfigError(
    at,
    `${header} is the edge's signed identity header (${expected.carries}); it cannot carry ` +
      `"${template}": use "{{ print ${expected.expressions[0]} }}" or another header name`,
  );
}

const EDGE_IDENTITY_TEMPLATES: Record<string, { expressions: string[]; carries: string }> = {
  'x-user-id': { expressions: ['.Subject', '.Extra.identity.id'], carries: 'the identity id' },
  'x-user-email': {
    expressions: ['.Extra.identity.traits.email'],
    carries: "the identity's email",
  },
};

function handlerName(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const name = (value as Handler).handler;
  if (typeof name !== 'string') throw new ConfigError(`${key}.handler`, 'expected a handler name');
  return name;
}

/**
 * match.url → the regex the edge matches its path with, or why the rule cannot match on this edge.
 * With a public origin, the scheme/host part must match it (as Oathkeeper would match the request).
 */
function matchPattern(
  url: string,
  key: string,
  context: ImportContext,
): { regex?: string; skip?: string } {
  const segments = splitSegments(url, key);
  const parts = splitHostAndPath(segments);
  if (!parts) {
    if (segments.every((s) => 'literal' in s)) return { skip: 'match.url has no path' };
    throw new ConfigError(
      `${key}.match.url`,
      'cannot tell the host from the path: the path must start with a "/" outside <…>',
    );
  }
  const regex = compiled(segmentsToRegex(parts.path, context.strategy, key), key);
  const host = compiled(segmentsToRegex(parts.host, context.strategy, key), key);
  if (parts.host.length === 0) {
    return { skip: 'match.url has no scheme://host, which Oathkeeper always matches against' };
  }
  const hostText = parts.host.map((s) => ('literal' in s ? s.literal : `<${s.pattern}>`)).join('');
  if (!context.origin) {
    context.hosts.set(hostText, [...(context.hosts.get(hostText) ?? []), key]);
    return { regex };
  }
  if (!new RegExp(`^(?:${host})$`).test(context.origin)) {
    context.otherHosts++;
    return {
      skip: `its scheme/host ${hostText} does not match the public origin ${context.origin}`,
    };
  }
  return { regex };
}

function compiled(regex: string, key: string): string {
  try {
    new RegExp(regex);
  } catch (err) {
    throw new ConfigError(`${key}.match.url`, (err as Error).message);
  }
  return regex;
}
