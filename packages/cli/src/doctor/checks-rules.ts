// The gateway's rules judged as a whole (✗, not warnings: each is a route that behaves otherwise
// than written), the upstreams they send to.
import type { GatewayRuleConfig } from 'vestibule/config';
import { createSelfServicePages } from 'vestibule/pages';
import { compileRules, type AccessRuleConfig, type CompiledRule } from 'vestibule/gateway';
import { fail, ok, originOf, publicOrigin, skip, type Check, type DoctorFacts } from './facts.ts';

function toAccessRule(rule: GatewayRuleConfig): AccessRuleConfig {
  const { csrf, ...rest } = rule;
  return {
    ...rest,
    ...(csrf === undefined ? {} : { csrf: csrf === true || csrf === 'on' ? 'on' : 'off' }),
  };
}

function edgePages(facts: DoctorFacts) {
  return createSelfServicePages({
    kratosPublicURL: facts.edge.kratos.public_url ?? 'http://kratos.invalid',
    proxyPrefix: facts.edge.proxy.prefix,
  });
}

function compiled(facts: DoctorFacts) {
  return compileRules(facts.edge.gateway.rules.map(toAccessRule));
}

/**
 * Paths a glob rule matches, built from its own pattern with different fillings for `*` and `**`:
 * if every one of them (for every method the rule names) is taken by an earlier rule, it never
 * matches. Regex rules have no such witnesses and are not judged.
 */
function witnesses(path: string): string[] {
  return [
    ['w', 'w/x'],
    ['zq9', 'zq9'],
    ['a.b', 'a/b/c'],
  ].map(([one, any]) =>
    path
      .split('**')
      .map((part) => part.replace(/\*/g, one!))
      .join(any!),
  );
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function shadowedBy(
  rule: CompiledRule,
  config: GatewayRuleConfig,
  facts: DoctorFacts,
): CompiledRule | undefined {
  if (!config.path) return undefined;
  const set = compiled(facts);
  const methods = config.methods?.map((m) => m.toUpperCase()) ?? METHODS;
  let earlier: CompiledRule | undefined;
  for (const path of witnesses(config.path)) {
    for (const method of methods) {
      const winner = set.match(method, path);
      if (!winner || winner.id === rule.id) return undefined;
      earlier = winner;
    }
  }
  return earlier;
}

const shadowedRules: Check = {
  id: 'rules.shadowed',
  title: 'every rule can match',
  run(facts) {
    const set = compiled(facts);
    const dead = set.rules.flatMap((rule, i) => {
      const by = shadowedBy(rule, facts.edge.gateway.rules[i]!, facts);
      return by ? [`${rule.id} (shadowed by ${by.id})`] : [];
    });
    if (dead.length > 0) {
      return fail(
        `${dead.join(', ')} can never match: an earlier rule takes every request`,
        'Move the more specific rule above the broader one (first match wins).',
      );
    }
    return ok(`${set.rules.length} rule(s), each reachable`);
  },
};

const defaultDecision: Check = {
  id: 'rules.default-open',
  title: 'nothing open by default',
  run(facts) {
    if (facts.edge.gateway.default_decision !== 'allow') return ok('unlisted paths are denied');
    const probe = '/vestibule-doctor/unlisted/path';
    if (compiled(facts).match('GET', probe))
      return ok('default allow, but a catch-all rule decides first');
    return fail(
      'default_decision: allow leaves every path no rule names open to anyone (e.g. /admin-new)',
      'Set gateway.default_decision: deny and list the public paths as public rules.',
    );
  },
};

const unknownRoles: Check = {
  id: 'rules.unknown-role',
  title: 'role rules name real roles',
  run(facts) {
    const wanted = new Set(
      facts.edge.gateway.rules.flatMap((r) => (r.mode === 'role' ? (r.roles ?? []) : [])),
    );
    if (wanted.size === 0) return ok('no role rules');
    const roles = facts.live?.identityRoles;
    if (!roles) return skip('identities not listed (admin API not probed or unreachable)');
    const missing = [...wanted].filter((role) => !roles.includes(role));
    if (missing.length > 0) {
      return fail(
        `no identity has role ${missing.join(', ')}: those routes are closed to everyone`,
        `Give someone the role (vestibule users set-role <email> ${missing[0]}) or fix the rule's roles.`,
      );
    }
    return ok(`${[...wanted].join(', ')} held by at least one identity`);
  },
};

const loginLoop: Check = {
  id: 'rules.login-loop',
  title: 'login page not protected',
  run(facts) {
    const login = facts.kratos.uiURLs.login ?? `${facts.edge.server.public_url}/login`;
    if (originOf(login) !== publicOrigin(facts)) return skip('the login UI is not on the edge');
    const path = new URL(login).pathname;
    // The edge serves its own self-service pages before any rule applies.
    if (edgePages(facts).matches(path))
      return ok(`${path} is the edge's own page (no rule applies)`);
    const rule = compiled(facts).match('GET', path);
    if (rule && (rule.mode === 'required' || rule.mode === 'role')) {
      return fail(
        `rule ${rule.id} (${rule.mode}) covers the login UI ${path}: signed-out visitors loop between it and itself`,
        `Add { path: ${path}, mode: public } above rule ${rule.id}.`,
      );
    }
    return ok(`${path} is reachable signed out`);
  },
};

const upstreamsReachable: Check = {
  id: 'upstream.reachable',
  title: 'upstreams answer',
  run(facts) {
    const upstreams = facts.live?.upstreams;
    if (!upstreams) return skip('not probed (--offline)');
    if (upstreams.length === 0) return skip('no upstream configured');
    const down = upstreams.filter((u) => !u.reachability.ok);
    if (down.length > 0) {
      return fail(
        `${down.map((u) => `${u.url} (${u.reachability.error})`).join(', ')} does not answer`,
        'Start the app, or fix gateway.upstream_url (VESTIBULE_UPSTREAM_URL) to where the edge reaches it.',
      );
    }
    return ok(upstreams.map((u) => u.url).join(', '));
  },
};

export const RULE_CHECKS: readonly Check[] = [
  shadowedRules,
  defaultDecision,
  unknownRoles,
  loginLoop,
  upstreamsReachable,
];
