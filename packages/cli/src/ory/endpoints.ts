// Where the operator commands (users, sessions, doctor) find Ory: `--config vestibule.yml` (with
// its VESTIBULE_* env overrides applied by the loader), else the VESTIBULE_KRATOS_* variables, else
// the demo stack's defaults — the embedded identity server on 127.0.0.1:4433 (public) / :4434 (admin).
import { resolve } from 'node:path';
import { loadConfigFile } from 'vestibule/config';

export const DEMO_KRATOS_PUBLIC_URL = 'http://127.0.0.1:4433';
export const DEMO_KRATOS_ADMIN_URL = 'http://127.0.0.1:4434';

export interface KratosEndpoints {
  publicURL: string;
  adminURL: string;
  /** Where the URLs came from, for error messages ("--config x.yml", "environment", "demo defaults"). */
  source: string;
}

export function resolveKratosEndpoints(options: {
  config: string | undefined;
  env: Record<string, string | undefined>;
  cwd: string;
}): KratosEndpoints {
  const { env } = options;
  if (options.config) {
    const { config } = loadConfigFile(resolve(options.cwd, options.config), { env });
    return {
      publicURL: config.kratos.public_url ?? DEMO_KRATOS_PUBLIC_URL,
      adminURL: config.kratos.admin_url ?? DEMO_KRATOS_ADMIN_URL,
      source: `--config ${options.config}`,
    };
  }
  const fromEnv = Boolean(env.VESTIBULE_KRATOS_ADMIN_URL || env.VESTIBULE_KRATOS_PUBLIC_URL);
  return {
    publicURL: trimSlash(env.VESTIBULE_KRATOS_PUBLIC_URL || DEMO_KRATOS_PUBLIC_URL),
    adminURL: trimSlash(env.VESTIBULE_KRATOS_ADMIN_URL || DEMO_KRATOS_ADMIN_URL),
    source: fromEnv ? 'VESTIBULE_KRATOS_* environment' : 'demo defaults',
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
