// Environment overrides as Kratos does them: every key path upper-cased and joined with "_"
// (DSN, SERVE_PUBLIC_BASE_URL, SELFSERVICE_FLOWS_LOGIN_LIFESPAN, SECRETS_COOKIE, …). Lists and
// objects are given as JSON (Kratos/koanf) or, for lists of strings, comma-separated.
import { ConfigError } from './check.ts';
import { CONFIG_SPEC, isLeaf, LEAF, type BranchSpec, type LeafSpec } from './spec.ts';

interface EnvKey {
  name: string;
  path: string[];
  spec: LeafSpec;
}

function collect(spec: BranchSpec, path: string[], out: EnvKey[]): EnvKey[] {
  for (const [key, child] of Object.entries(spec)) {
    if (key.includes('-')) continue;
    const next = [...path, key];
    if (!isLeaf(child)) collect(child, next, out);
    else if (child[LEAF] !== 'opaque')
      out.push({ name: next.join('_').toUpperCase(), path: next, spec: child });
  }
  return out;
}

const ENV_KEYS = collect(CONFIG_SPEC, [], []);

/** The env variable names that override config keys (for docs and `doctor`). */
export const configEnvNames = (): string[] => ENV_KEYS.map((k) => k.name);

/** Returns a copy of `raw` with every present env override written into it. */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const key of ENV_KEYS) {
    const text = env[key.name];
    if (text === undefined) continue;
    setPath(out, key.path, fromEnv(text, key));
  }
  return out;
}

function fromEnv(text: string, key: EnvKey): unknown {
  switch (key.spec[LEAF]) {
    case 'int':
      return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'urls':
    case 'strings':
    case 'secrets':
      return text.trimStart().startsWith('[')
        ? parseJSON(text, key)
        : text
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
    case 'hooks':
    case 'schemas':
      return parseJSON(text, key);
    default:
      return text;
  }
}

function parseJSON(text: string, key: EnvKey): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(key.path.join('.'), `environment variable ${key.name} is not valid JSON`);
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}
