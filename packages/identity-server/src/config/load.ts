// Reading kratos.yml from disk, and the development defaults used by tests and `vestibule up`.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYAML } from 'yaml';
import { ConfigError } from './check.ts';
import { parseConfig, type ParseOptions, type ParsedConfig } from './parse.ts';
import type { KratosConfig } from './types.ts';

/** The shipped default kratos.yml and identity schema (packages/identity-server/config/). */
export const SHIPPED_CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
export const SHIPPED_CONFIG_PATH = resolve(SHIPPED_CONFIG_DIR, 'kratos.yml');
export const SHIPPED_SCHEMA_PATH = resolve(SHIPPED_CONFIG_DIR, 'identity.schema.json');

/** Loads a kratos.yml (or .json) file; env overrides come from process.env unless given. */
export async function loadConfig(
  path: string,
  options: Omit<ParseOptions, 'baseDir'> = {},
): Promise<ParsedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      '(file)',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  let raw: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so kratos.json files load too. No custom tags, no aliases bombs.
    raw = parseYAML(text, { maxAliasCount: 100, prettyErrors: true });
  } catch (err) {
    throw new ConfigError(
      '(file)',
      `${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  return parseConfig(raw, { env: process.env, ...options, baseDir: dirname(resolve(path)) });
}

export type ConfigOverrides = { [key: string]: unknown };

/** Kratos-format settings for development and tests: memory DSN, localhost URLs, the shipped schema. */
export function devConfigObject(): Record<string, unknown> {
  const ui = 'http://localhost:4000';
  const revokeActiveSessions = [{ hook: 'revoke_active_sessions' }];
  return {
    dsn: 'memory',
    serve: {
      public: { base_url: 'http://localhost:4433/', host: '127.0.0.1', port: 4433 },
      admin: { base_url: 'http://localhost:4434/', host: '127.0.0.1', port: 4434 },
    },
    selfservice: {
      default_browser_return_url: `${ui}/`,
      allowed_return_urls: [`${ui}/`],
      flows: {
        login: { ui_url: `${ui}/login`, lifespan: '1h' },
        registration: {
          ui_url: `${ui}/registration`,
          lifespan: '1h',
          after: { password: { hooks: [{ hook: 'session' }] } },
        },
        // revoke_active_sessions after recovery and after a password change, as the shipped
        // kratos.yml: secure by default (issue 13).
        recovery: {
          enabled: true,
          ui_url: `${ui}/recovery`,
          use: 'code',
          after: { hooks: revokeActiveSessions },
        },
        verification: { enabled: true, ui_url: `${ui}/verification`, use: 'code' },
        settings: {
          ui_url: `${ui}/settings`,
          privileged_session_max_age: '15m',
          after: { password: { hooks: revokeActiveSessions } },
        },
        logout: { after: { default_browser_return_url: `${ui}/login` } },
        error: { ui_url: `${ui}/error` },
      },
      // Code-built configs (tests, embedders) make no network call unless they ask: the shipped
      // kratos.yml and `vestibule up` turn the range check on (Kratos's default) themselves.
      methods: { password: { config: { haveibeenpwned_enabled: false } } },
    },
    identity: {
      default_schema_id: 'default',
      schemas: [{ id: 'default', url: SHIPPED_SCHEMA_PATH }],
    },
    // Development-only secrets, like Kratos's quickstart "PLEASE-CHANGE-ME" values.
    secrets: {
      cookie: ['PLEASE-CHANGE-ME-I-AM-VERY-INSECURE'],
      cipher: ['32-LONG-SECRET-NOT-SECURE-AT-ALL'],
    },
    courier: { smtp: { connection_uri: 'smtp://localhost:1025/?disable_starttls=true' } },
  };
}

/**
 * The development config, with Kratos-format overrides deep-merged over it (lists are replaced):
 * `defaultConfig({ selfservice: { flows: { login: { lifespan: '1m' } } }, hashers: { bcrypt: { cost: 4 } } })`.
 * Overrides are code, so an unknown key is a bug here: it throws instead of warning.
 */
export function defaultConfig(
  overrides: ConfigOverrides = {},
  options: ParseOptions = {},
): KratosConfig {
  const { config, warnings } = parseConfig(deepMerge(devConfigObject(), overrides), options);
  const unknown = warnings.find((w) => w.code === 'unknown_key');
  if (unknown) throw new ConfigError(unknown.key, 'unknown key in defaultConfig() overrides');
  return config;
}

export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
