// Oathkeeper header-mutator templates, the subset that covers real rule files:
//   {{ print .Subject }}  {{ .Subject }}  {{ print .Extra.identity.traits.email }}  {{ .Extra.a.b }}
// `.Subject` is the identity id; `.Extra` is the Kratos session (Oathkeeper's cookie_session
// authenticator default `extra_from: "@this"`). Anything else is refused at import time.
import type { User } from '../session/user.ts';

const EXPRESSION = /\{\{-?\s*(?:print\s+)?\.(Subject|Extra(?:\.[A-Za-z0-9_]+)*)\s*-?\}\}/g;

export function validateHeaderTemplate(template: string): string | null {
  const leftover = template.replace(EXPRESSION, '');
  return leftover.includes('{{') ? `unsupported template expression in "${template}"` : null;
}

/**
 * The session paths a template reads, dot-separated from the session's root (`.Subject` is
 * `identity.id`; a bare `.Extra` is the whole session, `''`). The session cache keeps only these.
 */
export function templateSessionPaths(template: string): string[] {
  const paths: string[] = [];
  for (const [, expr] of template.matchAll(EXPRESSION)) {
    paths.push(expr === 'Subject' ? 'identity.id' : expr!.split('.').slice(1).join('.'));
  }
  return paths;
}

export function renderHeaderTemplate(template: string, user: User): string {
  return template.replace(EXPRESSION, (_match, expr: string) => {
    if (expr === 'Subject') return user.id;
    let value: unknown = user.session ?? { identity: { id: user.id, traits: user.traits } };
    for (const key of expr.split('.').slice(1)) {
      value =
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    }
    if (value === undefined || value === null) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
