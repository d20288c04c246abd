// Environment overrides for URLs and secrets, so one vestibule.yml works across environments and
// secrets stay out of the file. Applied before validation, so a bad value is reported like a bad key.

/** Env var → config key path. Documented in the README ("Configuration"). */
export const ENV_OVERRIDES: ReadonlyArray<{ env: string; key: string; type: 'string' | 'number' }> =
  [
    { env: 'VESTIBULE_HOST', key: 'server.host', type: 'string' },
    { env: 'VESTIBULE_PORT', key: 'server.port', type: 'number' },
    { env: 'VESTIBULE_PUBLIC_URL', key: 'server.public_url', type: 'string' },
    { env: 'VESTIBULE_KRATOS_PUBLIC_URL', key: 'kratos.public_url', type: 'string' },
    { env: 'VESTIBULE_KRATOS_BROWSER_URL', key: 'kratos.browser_url', type: 'string' },
    { env: 'VESTIBULE_KRATOS_ADMIN_URL', key: 'kratos.admin_url', type: 'string' },
    { env: 'VESTIBULE_HYDRA_PUBLIC_URL', key: 'hydra.public_url', type: 'string' },
    { env: 'VESTIBULE_HYDRA_ADMIN_URL', key: 'hydra.admin_url', type: 'string' },
    { env: 'VESTIBULE_COOKIE_DOMAIN', key: 'proxy.cookie_domain', type: 'string' },
    { env: 'VESTIBULE_UPSTREAM_URL', key: 'gateway.upstream_url', type: 'string' },
    { env: 'VESTIBULE_HEADER_SECRET', key: 'gateway.header_secret', type: 'string' },
    { env: 'VESTIBULE_REVOCATION_SECRET', key: 'gateway.revocation.secret', type: 'string' },
    { env: 'VESTIBULE_STORE_URL', key: 'store.url', type: 'string' },
    { env: 'VESTIBULE_PROTECTION_ADMIN_SECRET', key: 'protection.admin.secret', type: 'string' },
    { env: 'VESTIBULE_CAPTCHA_SECRET', key: 'protection.captcha.secret', type: 'string' },
    {
      env: 'VESTIBULE_NOTIFICATIONS_SMTP_URI',
      key: 'protection.notifications.smtp.connection_uri',
      type: 'string',
    },
    { env: 'VESTIBULE_AUDIT_HASH_SECRET', key: 'audit.hash_secret', type: 'string' },
    { env: 'VESTIBULE_METRICS_PORT', key: 'metrics.port', type: 'number' },
    { env: 'VESTIBULE_METRICS_BEARER_TOKEN', key: 'metrics.bearer_token', type: 'string' },
  ];

/** Returns a copy of `raw` with env values set at their key paths, and which keys came from env. */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
): { raw: Record<string, unknown>; fromEnv: Map<string, string> } {
  const out = structuredClone(raw);
  const fromEnv = new Map<string, string>();
  for (const { env: name, key, type } of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const coerced = type === 'number' && /^\d+$/.test(value) ? Number(value) : value;
    setPath(out, key.split('.'), coerced);
    fromEnv.set(key, name);
  }
  return { raw: out, fromEnv };
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
