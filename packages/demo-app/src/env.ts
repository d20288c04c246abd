// The demo app started on its own (`npm run start --workspace @vestibule/demo-app`): its options
// from the environment, checked before anything listens; a bad value names its variable.
import type { DemoAppOptions } from './server.ts';

export const DEFAULT_APP_PORT = 4001;

export class DemoEnvError extends Error {}

export function demoOptionsFromEnv(env: Record<string, string | undefined>): DemoAppOptions {
  const source = env.VESTIBULE_IDENTITY_SOURCE?.trim() || 'header';
  const common = {
    host: env.VESTIBULE_APP_HOST?.trim() || '127.0.0.1',
    port: portFrom(env.VESTIBULE_APP_PORT),
    ...(env.VESTIBULE_APP_DATA_DIR ? { dataDir: env.VESTIBULE_APP_DATA_DIR } : {}),
    ...(env.VESTIBULE_LOGIN_URL ? { loginURL: env.VESTIBULE_LOGIN_URL } : {}),
  };
  if (source === 'header') {
    const headerSecret = env.VESTIBULE_HEADER_SECRET;
    if (!headerSecret) {
      throw new DemoEnvError(
        'VESTIBULE_HEADER_SECRET: required behind the edge (its gateway.header_secret); behind a ' +
          'real Oathkeeper set VESTIBULE_IDENTITY_SOURCE=oathkeeper and VESTIBULE_OATHKEEPER_JWKS_URL',
      );
    }
    return {
      ...common,
      headerSecret,
      publicURL: urlFrom(env, 'VESTIBULE_PUBLIC_URL') ?? 'http://localhost:4000',
    };
  }
  if (source === 'oathkeeper') {
    const jwksURL = urlFrom(env, 'VESTIBULE_OATHKEEPER_JWKS_URL');
    const trustedProxies = listFrom(env.VESTIBULE_OATHKEEPER_TRUSTED_PROXIES);
    if (!jwksURL && !trustedProxies) {
      throw new DemoEnvError(
        'VESTIBULE_OATHKEEPER_JWKS_URL: required with VESTIBULE_IDENTITY_SOURCE=oathkeeper ' +
          '(e.g. http://oathkeeper:4456/.well-known/jwks.json), or VESTIBULE_OATHKEEPER_TRUSTED_PROXIES ' +
          'for unsigned x-user-* headers from those addresses',
      );
    }
    const issuer = listFrom(env.VESTIBULE_OATHKEEPER_ISSUER);
    const audience = listFrom(env.VESTIBULE_OATHKEEPER_AUDIENCE);
    return {
      ...common,
      oathkeeper: {
        ...(jwksURL ? { jwksURL } : {}),
        ...(issuer ? { issuer } : {}),
        ...(audience ? { audience } : {}),
        ...(trustedProxies ? { trustedProxies } : {}),
      },
      // Oathkeeper's proxy port by default: browsers reach the app through it.
      publicURL: urlFrom(env, 'VESTIBULE_PUBLIC_URL') ?? 'http://127.0.0.1:4455',
    };
  }
  throw new DemoEnvError(
    `VESTIBULE_IDENTITY_SOURCE: expected "header" or "oathkeeper", got "${source}"`,
  );
}

function portFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_APP_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) {
    throw new DemoEnvError(`VESTIBULE_APP_PORT: expected a port number 0-65535, got "${value}"`);
  }
  return port;
}

function urlFrom(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new DemoEnvError(`${name}: expected an absolute http(s) URL, got "${value}"`);
  }
  return value;
}

/** `a` or `a,b`: the issuer/audience lists accept several values. */
function listFrom(value: string | undefined): string[] | undefined {
  const list = (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}
