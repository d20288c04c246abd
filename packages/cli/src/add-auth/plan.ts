// The minimal change `vestibule add-auth` proposes: the adapter wired in the app's entry (wiring.ts),
// one handler that shows getUser(), and a vestibule.yml whose rules cover the routes it found. Each
// change is a whole file before/after, so the preview is a diff and --write is idempotent: a file
// that already has the wiring is left alone.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AppFacts } from './detect.ts';
import { EXAMPLE_PATH, esmWiring, MARKER, wireEntry } from './wiring.ts';

export interface FileChange {
  path: string;
  before: string | undefined;
  after: string;
}

function nextExampleRoute(typescript: boolean): string {
  const { imports, auth } = esmWiring('next');
  return `${imports.join('\n')}\n\n${auth.join('\n')}\n\nexport const GET = async (request${typescript ? ': Request' : ''}) =>\n  Response.json({ user: await auth.getUser(request) });\n`;
}

const PUBLIC = /^\/(health|healthz|favicon\.ico|robots\.txt|static|assets|public)(\/|$)/;

function modeFor(path: string): Record<string, unknown> {
  if (path === '/' || path === EXAMPLE_PATH) return { mode: 'optional' };
  if (PUBLIC.test(path)) return { mode: 'public' };
  if (/(^|\/)admin(\/|$)/.test(path)) return { mode: 'role', roles: ['admin'] };
  return { mode: 'required' };
}

/** One rule per path, literal paths before patterns and longer before shorter (first match wins). */
export function rulesFor(facts: AppFacts): Array<Record<string, unknown>> {
  const paths = [...new Set([...facts.routes.map((r) => r.path), EXAMPLE_PATH, '/'])];
  const specificity = (p: string) => [p.includes('*') ? 1 : 0, -p.length] as const;
  paths.sort((a, b) => {
    const [wa, la] = specificity(a);
    const [wb, lb] = specificity(b);
    return wa - wb || la - lb || a.localeCompare(b);
  });
  return paths.map((path) => ({ path, ...modeFor(path) }));
}

function vestibuleYAML(facts: AppFacts): string {
  const config = {
    server: { port: 4000, public_url: 'http://localhost:4000' },
    gateway: {
      upstream_url: `http://127.0.0.1:${facts.port}`,
      default_decision: 'deny',
      rules: rulesFor(facts),
    },
  };
  return (
    `# Written by \`${MARKER}\` from the routes it found; review the modes (first match wins,\n` +
    '# anything unlisted is denied). Kratos: VESTIBULE_KRATOS_PUBLIC_URL; the secret the app verifies\n' +
    '# identity headers with: VESTIBULE_HEADER_SECRET (openssl rand -base64 32), in both processes.\n' +
    stringify(config)
  );
}

export function planChanges(facts: AppFacts): FileChange[] {
  const read = (path: string) =>
    existsSync(join(facts.dir, path)) ? readFileSync(join(facts.dir, path), 'utf8') : undefined;
  const changes: FileChange[] = [];
  if (facts.framework === 'next') {
    const typescript = existsSync(join(facts.dir, 'tsconfig.json'));
    const base = existsSync(join(facts.dir, 'src/app')) ? 'src/app' : 'app';
    const path = `${base}/api/me/route.${typescript ? 'ts' : 'js'}`;
    if (!read(path)) changes.push({ path, before: undefined, after: nextExampleRoute(typescript) });
  } else {
    const before = read(facts.entry!)!;
    const after = wireEntry(before, facts);
    if (after !== before) changes.push({ path: facts.entry!, before, after });
  }
  if (!read('vestibule.yml'))
    changes.push({ path: 'vestibule.yml', before: undefined, after: vestibuleYAML(facts) });
  return changes;
}
