// How the gateway learns who is calling: the session resolver (the cache in front of whoami), or the
// one the caller passed. A cache miss asks Kratos over undici's request on a pool of its own
// (session/whoami-undici.ts), not fetch — unless a fetch is injected — and the cache keeps only the
// parts of a session something reads.
import { templateSessionPaths } from '../access/templates.ts';
import type { RuleSet } from '../access/rules.ts';
import { createSessionProjection, type SessionProjection } from '../session/projection.ts';
import { createSessionResolver, type SessionResolver } from '../session/resolver.ts';
import { createUndiciWhoami } from '../session/whoami-undici.ts';
import type { GatewayOptions, GatewaySettings } from './options.ts';

export function gatewaySessions(
  options: GatewayOptions,
  settings: GatewaySettings,
  rules: RuleSet,
): { sessions: SessionResolver; close(): Promise<void> } {
  if (options.sessions) return { sessions: options.sessions, close: async () => undefined };
  const pool = options.fetch ? undefined : createUndiciWhoami(settings.kratosPublicURL!);
  const sessions = createSessionResolver({
    kratosPublicURL: settings.kratosPublicURL!,
    cookieName: options.cookieName,
    timeoutMs: options.whoamiTimeoutMs,
    fetch: options.fetch,
    ...(pool ? { send: pool.send } : {}),
    now: options.now,
    ...(options.observe?.whoami ? { onWhoami: options.observe.whoami } : {}),
    ...options.cache,
    ...sessionProjectionOf(rules, options.sessionPaths),
  });
  return { sessions, close: async () => pool?.close() };
}

/** Cache only what is read: the minimal set, the rules' template paths and the declared extras. */
function sessionProjectionOf(
  rules: RuleSet,
  extra: readonly string[] = [],
): { project?: SessionProjection } {
  const paths = rules.rules.flatMap((rule) =>
    rule.headerTemplates.flatMap(([, template]) => templateSessionPaths(template)),
  );
  const project = createSessionProjection([...paths, ...extra]);
  return project ? { project } : {};
}
