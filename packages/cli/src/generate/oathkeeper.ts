// Oathkeeper access rules equivalent to the gateway's rules, for teams that keep Oathkeeper: one
// rule per gateway rule, matched with the `regexp` strategy on the public origin, each path pattern
// the gateway's own compiled regex. What Oathkeeper cannot say is reported, never weakened:
// a `role` rule becomes `deny` (Oathkeeper's allow/deny authorizers have no roles), and two rules
// that can match one request are named (Oathkeeper refuses a request more than one rule matches,
// where the gateway takes the first).
import type { EdgeConfig, GatewayRuleConfig } from 'vestibule/config';
import { compileRules, type AccessRuleConfig } from 'vestibule/gateway';
import { stringify } from 'yaml';
import type { GeneratedFile } from './files.ts';

export const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const handler = (name: string) => ({ handler: name });
const AUTHENTICATORS: Record<string, Array<{ handler: string }>> = {
  public: [handler('noop')],
  optional: [handler('cookie_session'), handler('bearer_token'), handler('anonymous')],
  required: [handler('cookie_session'), handler('bearer_token')],
  role: [handler('cookie_session'), handler('bearer_token')],
};

export interface OathkeeperRules {
  rules: Array<Record<string, unknown>>;
  warnings: string[];
}

function toAccessRule(rule: GatewayRuleConfig): AccessRuleConfig {
  const { csrf, ...rest } = rule;
  return {
    ...rest,
    ...(csrf === undefined ? {} : { csrf: csrf === true || csrf === 'on' ? 'on' : 'off' }),
  };
}

/**
 * The path part of the rule as the gateway matches it, anchored at both ends: the glob's compiled
 * regex, or the rule's own regex without its outer anchors (Oathkeeper anchors the whole URL).
 */
function pathRegex(rule: GatewayRuleConfig, pattern: RegExp): string {
  const source = rule.regex ?? pattern.source.replace(/\\\//g, '/');
  const path = source.replace(/^\^/, '').replace(/\$$/, '');
  // `/**` compiles to `(?:/.*)?` (it also matches the bare prefix, here empty): every request path
  // starts with "/", so `/.*` matches the same requests.
  return path === '(?:/.*)?' ? '/.*' : path;
}

/** `/admin(?:/.*)?` → `https://site/<admin(?:/.*)?>`: the leading "/" stays outside the `<…>`. */
function matchURL(origin: string, path: string, id: string): string {
  if (!path.startsWith('/')) {
    throw new Error(
      `rule ${id}: its pattern must start with "/" to be written as an Oathkeeper match.url`,
    );
  }
  const rest = path.slice(1);
  return rest ? `${origin}/<${rest}>` : `${origin}/`;
}

export function oathkeeperRulesFor(edge: EdgeConfig): OathkeeperRules {
  const origin = new URL(edge.server.public_url).origin;
  const compiled = compileRules(edge.gateway.rules.map(toAccessRule)).rules;
  const warnings: string[] = [];
  const rules = edge.gateway.rules.map((rule, i) => {
    const id = compiled[i]!.id;
    if (rule.mode === 'role') {
      warnings.push(
        `${id}: mode role (${rule.roles?.join(', ')}) has no Oathkeeper equivalent: written as deny; keep it as a gateway rule`,
      );
    }
    return {
      id,
      description: `vestibule.yml gateway.rules[${i}] (${rule.mode})`,
      match: {
        url: matchURL(origin, pathRegex(rule, compiled[i]!.pattern), id),
        methods: rule.methods?.map((m) => m.toUpperCase()) ?? ALL_METHODS,
      },
      upstream: { url: edge.gateway.upstream_url ?? 'http://app:3000', preserve_host: true },
      authenticators: AUTHENTICATORS[rule.mode],
      authorizer: handler(rule.mode === 'role' ? 'deny' : 'allow'),
      mutators: [handler('noop')],
    };
  });
  return { rules, warnings: [...warnings, ...overlaps(edge, compiled)] };
}

/** A path the rule matches, from its own glob (regex rules have none). */
function samplePath(rule: GatewayRuleConfig): string | undefined {
  return rule.path
    ?.split('**')
    .map((p) => p.replace(/\*/g, 'x').replace(/\?/g, 'x'))
    .join('x/y');
}

/** Pairs of rules one request can match (tried with a sample path of each of the two). */
function overlaps(edge: EdgeConfig, compiled: ReturnType<typeof compileRules>['rules']): string[] {
  const found: string[] = [];
  const rules = edge.gateway.rules;
  const methodsOf = (k: number) => rules[k]!.methods?.map((m) => m.toUpperCase()) ?? ALL_METHODS;
  for (let j = 1; j < rules.length; j++) {
    for (let i = 0; i < j; i++) {
      if (!methodsOf(j).some((m) => methodsOf(i).includes(m))) continue;
      const shared = [samplePath(rules[j]!), samplePath(rules[i]!)].find(
        (path) =>
          path !== undefined && compiled[i]!.pattern.test(path) && compiled[j]!.pattern.test(path),
      );
      if (shared) {
        found.push(
          `${compiled[i]!.id} and ${compiled[j]!.id} both match ${shared}: Oathkeeper answers 500 when two rules match, so narrow one`,
        );
      }
    }
  }
  return found;
}

export function oathkeeperFiles(edge: EdgeConfig): { files: GeneratedFile[]; warnings: string[] } {
  const { rules, warnings } = oathkeeperRulesFor(edge);
  const head =
    '# Generated by `vestibule generate oathkeeper` from vestibule.yml. Oathkeeper config:\n' +
    '# access_rules: { matching_strategy: regexp, repositories: [file:///etc/config/oathkeeper/access-rules.yml] }\n';
  return {
    files: [{ path: 'oathkeeper/access-rules.yml', content: head + stringify(rules) }],
    warnings,
  };
}
