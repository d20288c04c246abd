// A production kratos.yml for the edge's vestibule.yml, in Kratos's own keys: every UI URL on the
// edge, serve.public.base_url on the edge's proxy (mailed links name the public host), HIBP on,
// revoke_active_sessions after recovery and password changes, and no secret in the file — the DSN,
// the cookie/cipher secrets and the SMTP URI come from the environment (Kratos reads DSN,
// SECRETS_COOKIE, SECRETS_CIPHER, COURIER_SMTP_CONNECTION_URI over the file).
import type { EdgeConfig } from 'vestibule/config';
import { KRATOS_VERSION } from './versions.ts';

export interface KratosTarget {
  /** Kratos's admin base URL inside the deployment (compose: http://kratos:4434/). */
  adminBaseURL: string;
  /** Where the identity schema file is mounted. */
  schemaURL: string;
}

export const KRATOS_ENV = [
  'DSN',
  'SECRETS_COOKIE',
  'SECRETS_CIPHER',
  'COURIER_SMTP_CONNECTION_URI',
];

export function kratosConfigFor(edge: EdgeConfig, target: KratosTarget): Record<string, unknown> {
  const site = edge.server.public_url;
  const host = new URL(site).hostname;
  const revoke = [{ hook: 'revoke_active_sessions' }];
  return {
    version: KRATOS_VERSION,
    // Overridden by the DSN environment variable (postgres://…); Kratos requires the key.
    dsn: 'postgres://kratos@postgres:5432/kratos?sslmode=disable',
    serve: {
      public: { base_url: `${site}${edge.proxy.prefix}/`, cors: { enabled: false } },
      admin: { base_url: target.adminBaseURL },
    },
    selfservice: {
      default_browser_return_url: `${site}/`,
      allowed_return_urls: [`${site}/`],
      methods: {
        password: {
          enabled: true,
          config: {
            haveibeenpwned_enabled: true,
            min_password_length: 8,
            identifier_similarity_check_enabled: true,
          },
        },
        code: { enabled: true },
      },
      flows: {
        error: { ui_url: `${site}/error` },
        settings: {
          ui_url: `${site}/settings`,
          privileged_session_max_age: '15m',
          required_aal: 'highest_available',
          after: { password: { hooks: revoke } },
        },
        recovery: {
          enabled: true,
          ui_url: `${site}/recovery`,
          use: 'code',
          after: { hooks: revoke },
        },
        verification: { enabled: true, ui_url: `${site}/verification`, use: 'code' },
        logout: { after: { default_browser_return_url: `${site}/login` } },
        login: { ui_url: `${site}/login`, lifespan: '10m' },
        registration: {
          ui_url: `${site}/registration`,
          lifespan: '10m',
          after: { password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] } },
        },
      },
    },
    session: {
      lifespan: '24h',
      cookie: { name: edge.gateway.session_cookie_name, same_site: 'Lax', persistent: true },
    },
    cookies: { same_site: 'Lax' },
    log: { level: 'info', format: 'json', leak_sensitive_values: false },
    hashers: { algorithm: 'bcrypt', bcrypt: { cost: 12 } },
    ciphers: { algorithm: 'xchacha20-poly1305' },
    identity: { default_schema_id: 'default', schemas: [{ id: 'default', url: target.schemaURL }] },
    courier: { smtp: { from_address: `no-reply@${host}`, from_name: 'Accounts' } },
  };
}

/** The identity schema: an email that is the password identifier, verified and recoverable by mail. */
export const IDENTITY_SCHEMA = {
  $id: 'https://schemas.vestibule.dev/identity.default.schema.json',
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Person',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          type: 'string',
          format: 'email',
          title: 'E-Mail',
          minLength: 3,
          maxLength: 320,
          'ory.sh/kratos': {
            credentials: { password: { identifier: true } },
            verification: { via: 'email' },
            recovery: { via: 'email' },
          },
        },
      },
      required: ['email'],
      additionalProperties: false,
    },
  },
} as const;
