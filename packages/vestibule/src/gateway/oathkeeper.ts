// Import of Oathkeeper access-rule files (JSON or YAML) into gateway rules, so existing rule files
// keep working. What maps and what does not: docs/oathkeeper-rules.md. Anything we cannot honour
// faithfully is an import error naming the rule (or a warning when ignoring it cannot open access):
// a rule silently weakened is a hole.
import { readFile } from 'node:fs/promises';
import { parse as parseYAML } from 'yaml';
import { ConfigError } from '../lib/errors.ts';
import type { AccessMode, AccessRuleConfig } from './rules.ts';
import { validateHeaderTemplate } from './templates.ts';

export interface OathkeeperImport {
  rules: AccessRuleConfig[];
  warnings: string[];
}

export interface OathkeeperImportOptions {
  /** Oathkeeper's `access_rules.matching_strategy`. Default `regexp`, as in Oathkeeper. */
  matchingStrategy?: 'regexp' | 'glob';
  /** Used in error messages. */
  source?: string;
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
  const warnings: string[] = [];
  const rules = document.map((raw, index) =>
    importRule(raw, index, options.matchingStrategy ?? 'regexp', source, warnings),
  );
  return { rules, warnings };
}

function importRule(
  raw: unknown,
  index: number,
  strategy: 'regexp' | 'glob',
  source: string,
  warnings: string[],
): AccessRuleConfig {
  if (!raw || typeof raw !== 'object')
    throw new ConfigError(`${source}[${index}]`, 'expected an object');
  const rule = raw as Record<string, unknown>;
  const id = typeof rule.id === 'string' && rule.id ? rule.id : `oathkeeper-${index}`;
  const key = `${source}[${index}] (${id})`;
  const match = rule.match as { url?: unknown; methods?: unknown } | undefined;
  if (!match || typeof match.url !== 'string')
    throw new ConfigError(`${key}.match.url`, 'required');
  const { regex, hostIgnored } = urlPatternToPathRegex(match.url, strategy, key);
  if (hostIgnored)
    warnings.push(
      `${key}: the scheme/host part of match.url is not matched by the edge (it serves one host)`,
    );
  const methods = Array.isArray(match.methods) ? match.methods.map(String) : undefined;
  const { mode, credentials } = modeOf(rule, key);
  const out: AccessRuleConfig = { id, regex, mode, methods, credentials };
  const headers = mutatorHeaders(rule.mutators, key);
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
): { mode: AccessMode; credentials?: Array<'cookie' | 'token'> } {
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
  const credentials: Array<'cookie' | 'token'> = [];
  let anonymous = false;
  for (const [i, name] of names.entries()) {
    if (name in SESSION_AUTHENTICATORS) credentials.push(SESSION_AUTHENTICATORS[name]!);
    else if (name === 'anonymous' || name === 'noop') anonymous = true;
    else
      throw new ConfigError(
        `${key}.authenticators[${i}]`,
        `handler "${name}" is not supported (cookie_session, bearer_token, anonymous, noop)`,
      );
  }
  if (credentials.length === 0) return { mode: 'public' };
  return { mode: anonymous ? 'optional' : 'required', credentials };
}

function mutatorHeaders(mutators: unknown, key: string): Record<string, string> | undefined {
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
      const problem = validateHeaderTemplate(String(template));
      if (problem) throw new ConfigError(`${key}.mutators[${i}].config.headers.${header}`, problem);
      headers = { ...headers, [header]: String(template) };
    }
  }
  return headers;
}

function handlerName(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const name = (value as Handler).handler;
  if (typeof name !== 'string') throw new ConfigError(`${key}.handler`, 'expected a handler name');
  return name;
}

/**
 * `http://host/api/<.*>` → a regex over the path. Outside `<…>` everything is literal; inside it
 * is a regular expression (strategy regexp) or a glob (strategy glob), as in Oathkeeper.
 */
export function urlPatternToPathRegex(
  url: string,
  strategy: 'regexp' | 'glob',
  key: string,
): { regex: string; hostIgnored: boolean } {
  const schemeEnd = url.indexOf('://');
  let rest = url;
  let hostIgnored = false;
  if (schemeEnd !== -1) {
    const pathStart = findPathStart(url, schemeEnd + 3);
    hostIgnored = true;
    rest = pathStart === -1 ? '/' : url.slice(pathStart);
  }
  if (!rest.startsWith('/') && !rest.startsWith('<'))
    throw new ConfigError(`${key}.match.url`, 'expected an absolute URL or a path');
  let regex = '';
  const parts = rest.split(/(<[^>]*>)/);
  for (const part of parts) {
    if (part.startsWith('<') && part.endsWith('>')) {
      const inner = part.slice(1, -1);
      regex += strategy === 'regexp' ? `(?:${inner})` : globFragment(inner);
    } else {
      regex += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  try {
    new RegExp(regex);
  } catch (err) {
    throw new ConfigError(`${key}.match.url`, (err as Error).message);
  }
  return { regex, hostIgnored };
}

/** Skip `<…>` in the host part (it may contain `/`) and return where the path starts. */
function findPathStart(url: string, from: number): number {
  let depth = 0;
  for (let i = from; i < url.length; i++) {
    if (url[i] === '<') depth++;
    else if (url[i] === '>') depth--;
    else if (url[i] === '/' && depth === 0) return i;
  }
  return -1;
}

function globFragment(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '{') out += '(?:';
    else if (ch === '}') out += ')';
    else if (ch === ',' && out.includes('(?:')) out += '|';
    else if (ch === '[' || ch === ']') out += ch;
    else out += ch.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return out;
}
