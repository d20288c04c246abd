// Walks a raw kratos.yml object against CONFIG_SPEC: converts leaves (durations → ms, sizes → bytes),
// applies defaults, collects unknown-key warnings and throws ConfigError naming the first bad key.
import { parseByteSize, parseGoDuration } from './duration.ts';
import { CONFIG_SPEC, isLeaf, LEAF, type BranchSpec, type LeafSpec } from './spec.ts';

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(`${key}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigWarning {
  /** differs_from_kratos: accepted, but real Kratos would behave differently with it. */
  code: 'unknown_key' | 'insecure_default' | 'differs_from_kratos';
  key: string;
  message: string;
}

export type Checked = { [key: string]: unknown };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: unknown): string => {
  const text = typeof v === 'string' ? `"${v}"` : (JSON.stringify(v) ?? String(v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

export function checkTree(raw: unknown, warnings: ConfigWarning[]): Checked {
  return checkBranch(raw, CONFIG_SPEC, '', warnings);
}

function checkBranch(
  raw: unknown,
  spec: BranchSpec,
  path: string,
  warnings: ConfigWarning[],
): Checked {
  if (raw !== undefined && raw !== null && !isPlainObject(raw)) {
    throw new ConfigError(path || '(root)', `expected an object, got ${show(raw)}`);
  }
  const input = raw ?? {};
  const out: Checked = {};
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(spec, key)) {
      const full = join(path, key);
      warnings.push({
        code: 'unknown_key',
        key: full,
        message: `unknown key "${full}" is ignored`,
      });
    }
  }
  for (const [key, child] of Object.entries(spec)) {
    const value = Object.hasOwn(input, key) ? input[key] : undefined;
    const full = join(path, key);
    out[key] = isLeaf(child)
      ? checkLeaf(value, child, full)
      : checkBranch(value, child, full, warnings);
  }
  return out;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function checkLeaf(value: unknown, spec: LeafSpec, key: string): unknown {
  if (spec[LEAF] === 'opaque') return value;
  if (value === undefined || value === null) {
    const fallback = 'default' in spec ? spec.default : undefined;
    return fallback === undefined ? undefined : checkLeaf(fallback, spec, key);
  }
  switch (spec[LEAF]) {
    case 'string':
      if (typeof value !== 'string')
        throw new ConfigError(key, `expected a string, got ${show(value)}`);
      return value;
    case 'url':
      return checkURL(value, key, spec.schemes);
    case 'urls':
      return checkList(value, key).map((v, i) => checkURL(v, `${key}[${i}]`));
    case 'strings':
      return checkList(value, key).map((v, i) => {
        if (typeof v !== 'string' || v === '')
          throw new ConfigError(`${key}[${i}]`, `expected a non-empty string, got ${show(v)}`);
        return v;
      });
    case 'duration': {
      const ms = typeof value === 'string' ? parseGoDuration(value) : undefined;
      if (ms === undefined) throw new ConfigError(key, `invalid duration ${show(value)}`);
      return ms;
    }
    case 'bytes': {
      const bytes = typeof value === 'string' ? parseByteSize(value) : undefined;
      if (bytes === undefined)
        throw new ConfigError(key, `invalid byte size ${show(value)} (e.g. "128MB")`);
      return bytes;
    }
    case 'int':
      if (
        !Number.isInteger(value) ||
        (value as number) < spec.min! ||
        (value as number) > spec.max!
      ) {
        throw new ConfigError(
          key,
          `expected an integer between ${spec.min} and ${spec.max}, got ${show(value)}`,
        );
      }
      return value;
    case 'bool':
      if (typeof value !== 'boolean')
        throw new ConfigError(key, `expected true or false, got ${show(value)}`);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        throw new ConfigError(key, `expected one of ${spec.values.join(', ')}, got ${show(value)}`);
      }
      return value;
    case 'secrets':
      return checkList(value, key).map((v, i) => checkSecret(v, `${key}[${i}]`, spec));
    case 'hooks':
      return checkHooks(value, key);
    case 'schemas':
      return checkSchemas(value, key);
  }
}

function checkList(value: unknown, key: string): unknown[] {
  if (!Array.isArray(value)) throw new ConfigError(key, `expected a list, got ${show(value)}`);
  return value;
}

function checkURL(value: unknown, key: string, schemes?: readonly string[]): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed) throw new ConfigError(key, `invalid URL ${show(value)}`);
  if (schemes && !schemes.includes(parsed.protocol)) {
    throw new ConfigError(
      key,
      `URL ${show(value)} must use ${schemes.map((s) => s.slice(0, -1)).join(' or ')}`,
    );
  }
  return value as string;
}

function checkSecret(
  value: unknown,
  key: string,
  spec: Extract<LeafSpec, { [LEAF]: 'secrets' }>,
): string {
  if (typeof value !== 'string') throw new ConfigError(key, 'expected a string secret');
  if (spec.exactLength !== undefined && value.length !== spec.exactLength) {
    throw new ConfigError(key, `secret must be exactly ${spec.exactLength} characters long`);
  }
  if (value.length < spec.minLength) {
    throw new ConfigError(key, `secret must be at least ${spec.minLength} characters long`);
  }
  return value;
}

/**
 * Kratos hooks: [{ hook: "session" }, { hook: "web_hook", config: {...} }]. Names are checked here;
 * a web_hook's config is kept raw and checked by parse.ts (config/web-hooks.ts).
 */
function checkHooks(value: unknown, key: string): Array<{ hook: string; config?: unknown }> {
  return checkList(value, key).map((item, i) => {
    const name = isPlainObject(item) ? item.hook : undefined;
    if (typeof name !== 'string' || name === '') {
      throw new ConfigError(`${key}[${i}].hook`, `expected a hook name, got ${show(item)}`);
    }
    const config = (item as Record<string, unknown>).config;
    return config === undefined ? { hook: name } : { hook: name, config };
  });
}

function checkSchemas(value: unknown, key: string): Array<{ id: string; url: string }> {
  const list = checkList(value, key);
  if (list.length === 0) throw new ConfigError(key, 'at least one identity schema is required');
  const seen = new Set<string>();
  return list.map((item, i) => {
    const id = isPlainObject(item) ? item.id : undefined;
    const url = isPlainObject(item) ? item.url : undefined;
    if (typeof id !== 'string' || id === '')
      throw new ConfigError(`${key}[${i}].id`, 'expected a schema id');
    if (typeof url !== 'string' || url === '')
      throw new ConfigError(`${key}[${i}].url`, 'expected a schema URL');
    if (seen.has(id)) throw new ConfigError(`${key}[${i}].id`, `duplicate schema id "${id}"`);
    seen.add(id);
    return { id, url };
  });
}
