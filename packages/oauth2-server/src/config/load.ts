// hydra.yml → a frozen HydraConfig: YAML parsed, checked against the schema (naming the bad key),
// Hydra's defaults filled in (ttl.* from spec/config.json; ports 4444/4445).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYAML } from 'yaml';
import { parseDuration } from './duration.ts';
import { HYDRA_CONFIG_SCHEMA } from './schema.ts';
import { ConfigError, type HydraConfig } from './types.ts';

// ajv-formats is CommonJS with a default export; under Node's ESM interop it arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => void;

const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv);
const validate = ajv.compile(HYDRA_CONFIG_SCHEMA);

/** A deep-partial hydra.yml, as YAML would give it (durations as strings). */
export type HydraConfigInput = Record<string, unknown>;

type Raw = Record<string, Record<string, unknown> | undefined> & { dsn?: string; dev?: boolean };

export function parseConfig(input: unknown, options: { dev?: boolean } = {}): HydraConfig {
  if (!validate(input)) {
    const [err] = validate.errors ?? [];
    const key = (err?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.') || '(root)';
    throw new ConfigError(`${key}: ${err?.message ?? 'invalid'}`);
  }
  const raw = input as unknown as Raw;
  const dev = options.dev ?? raw.dev ?? false;
  const urls = raw.urls as Record<string, string> & { self: { issuer: string } };
  const issuer = urls.self.issuer;
  if (!dev && !issuer.startsWith('https://')) {
    throw new ConfigError(
      'urls.self.issuer: must use https unless dev mode is on (like hydra serve --dev)',
    );
  }
  const ttl = (raw.ttl ?? {}) as Record<string, string | undefined>;
  const seconds = (key: string, fallback: string) => parseDuration(ttl[key] ?? fallback);
  const serve = (raw.serve ?? {}) as Record<string, { host?: string; port?: number } | undefined>;
  const pkce = ((raw.oauth2 ?? {}) as { pkce?: Record<string, boolean> }).pkce ?? {};
  const system = ((raw.secrets ?? {}) as { system?: string[] }).system;
  const strategies = (raw.strategies ?? {}) as Partial<HydraConfig['strategies']>;
  const issuerBase = issuer.replace(/\/+$/, '');
  const config: HydraConfig = {
    dsn: raw.dsn ?? 'memory',
    dev,
    serve: {
      public: { host: serve.public?.host ?? '127.0.0.1', port: serve.public?.port ?? 4444 },
      admin: { host: serve.admin?.host ?? '127.0.0.1', port: serve.admin?.port ?? 4445 },
    },
    urls: {
      self: { issuer: issuerBase },
      login: urls.login!,
      consent: urls.consent!,
      // Hydra's fallbacks are its own built-in pages; ours are the same paths on the issuer.
      logout: urls.logout ?? `${issuerBase}/oauth2/fallbacks/logout`,
      error: urls.error ?? `${issuerBase}/oauth2/fallbacks/error`,
      post_logout_redirect:
        urls.post_logout_redirect ?? `${issuerBase}/oauth2/fallbacks/logout/callback`,
    },
    ttl: {
      access_token: seconds('access_token', '1h'),
      refresh_token: seconds('refresh_token', '720h'),
      id_token: seconds('id_token', '1h'),
      auth_code: seconds('auth_code', '10m'),
      login_consent_request: seconds('login_consent_request', '30m'),
      authentication_session: seconds('authentication_session', '720h'),
    },
    oauth2: {
      pkce: {
        enforced: pkce.enforced ?? false,
        enforced_for_public_clients: pkce.enforced_for_public_clients ?? false,
      },
    },
    strategies: {
      access_token: strategies.access_token ?? 'opaque',
      // Hydra's default: `notes.*` registered allows requesting `notes.read`.
      scope: strategies.scope ?? 'wildcard',
    },
    // Hydra generates a system secret when none is given (and warns); so do we, per process.
    secrets: { system: system ?? [randomBytes(32).toString('base64url')] },
  };
  return deepFreeze(config);
}

export async function loadConfig(
  path: string,
  options: { dev?: boolean } = {},
): Promise<HydraConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYAML(text);
  } catch (err) {
    throw new ConfigError(`${path} is not valid YAML: ${(err as Error).message}`);
  }
  return parseConfig(parsed ?? {}, options);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
