// JSON Schema of the hydra.yml keys the embedded server reads. The key names, types and enums are
// Hydra's (spec/config.json); other Hydra keys are accepted and ignored, so one hydra.yml serves
// both a real Hydra and this server. A test checks the shipped example against Hydra's own schema.
const duration = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' } as const;
const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const listener = {
  type: 'object',
  properties: { host: { type: 'string' }, port },
} as const;

export const HYDRA_CONFIG_SCHEMA = {
  type: 'object',
  required: ['urls'],
  properties: {
    dsn: { type: 'string', minLength: 1 },
    dev: { type: 'boolean' },
    serve: {
      type: 'object',
      properties: { public: listener, admin: listener },
    },
    urls: {
      type: 'object',
      required: ['self', 'login', 'consent'],
      properties: {
        self: {
          type: 'object',
          required: ['issuer'],
          properties: { issuer: { type: 'string', format: 'uri' } },
        },
        login: { type: 'string', format: 'uri' },
        consent: { type: 'string', format: 'uri' },
        logout: { type: 'string', format: 'uri' },
        error: { type: 'string', format: 'uri' },
        post_logout_redirect: { type: 'string', format: 'uri' },
      },
    },
    ttl: {
      type: 'object',
      properties: {
        access_token: duration,
        refresh_token: duration,
        id_token: duration,
        auth_code: duration,
        login_consent_request: duration,
        authentication_session: duration,
      },
    },
    oauth2: {
      type: 'object',
      properties: {
        pkce: {
          type: 'object',
          properties: {
            enforced: { type: 'boolean' },
            enforced_for_public_clients: { type: 'boolean' },
          },
        },
      },
    },
    strategies: {
      type: 'object',
      properties: {
        access_token: { enum: ['opaque', 'jwt'] },
        scope: { enum: ['exact', 'wildcard'] },
      },
    },
    secrets: {
      type: 'object',
      properties: {
        system: { type: 'array', minItems: 1, items: { type: 'string', minLength: 16 } },
      },
    },
  },
} as const;
