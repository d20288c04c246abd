// The kratos.yml keys the embedded server understands, with Kratos's own defaults
// (shared/ory/kratos/config.schema.json). One table drives validation, defaults, unknown-key
// warnings and environment overrides, so a key is described in exactly one place.
// `opaque` marks keys real Kratos knows but this server does not interpret: accepted silently so a
// real Kratos config loads without noise.

export const LEAF = Symbol('leaf');

export type LeafSpec =
  | { [LEAF]: 'string'; default?: string }
  | { [LEAF]: 'url'; default?: string; schemes?: readonly string[] }
  | { [LEAF]: 'duration'; default?: string }
  | { [LEAF]: 'int'; default?: number; min?: number; max?: number }
  | { [LEAF]: 'bool'; default?: boolean }
  | { [LEAF]: 'enum'; values: readonly string[]; default?: string }
  | { [LEAF]: 'urls'; default?: string[] }
  | { [LEAF]: 'strings'; default?: string[] }
  | { [LEAF]: 'secrets'; minLength: number; exactLength?: number }
  | { [LEAF]: 'bytes'; default?: string }
  | { [LEAF]: 'hooks' }
  | { [LEAF]: 'schemas' }
  | { [LEAF]: 'opaque' };

export interface BranchSpec {
  [key: string]: Spec;
}
export type Spec = LeafSpec | BranchSpec;

export const isLeaf = (spec: Spec): spec is LeafSpec => LEAF in spec;

const HTTP = ['http:', 'https:'] as const;
const str = (d?: string): LeafSpec => ({
  [LEAF]: 'string',
  ...(d === undefined ? {} : { default: d }),
});
const url = (d?: string): LeafSpec => ({
  [LEAF]: 'url',
  schemes: HTTP,
  ...(d === undefined ? {} : { default: d }),
});
const dur = (d: string): LeafSpec => ({ [LEAF]: 'duration', default: d });
const int = (d: number | undefined, min: number, max = 2 ** 31 - 1): LeafSpec => ({
  [LEAF]: 'int',
  min,
  max,
  ...(d === undefined ? {} : { default: d }),
});
const bool = (d: boolean): LeafSpec => ({ [LEAF]: 'bool', default: d });
const oneOf = (values: readonly string[], d: string): LeafSpec => ({
  [LEAF]: 'enum',
  values,
  default: d,
});
const opaque: LeafSpec = { [LEAF]: 'opaque' };
const hooks: LeafSpec = { [LEAF]: 'hooks' };

const FALLBACK = 'https://www.ory.com/kratos/docs/fallback';
const AAL = ['aal1', 'highest_available'] as const;

/** before/after blocks: hooks we keep by name; per-method after blocks for registration. */
const afterBlock = (methods: readonly string[]): BranchSpec => ({
  default_browser_return_url: url(),
  hooks,
  ...Object.fromEntries(methods.map((m) => [m, { default_browser_return_url: url(), hooks }])),
});
const AFTER_METHODS = [
  'password',
  'oidc',
  'saml',
  'code',
  'webauthn',
  'passkey',
  'totp',
  'lookup_secret',
  'profile',
];

const flow = (name: string, extra: BranchSpec = {}): BranchSpec => ({
  ui_url: url(`${FALLBACK}/${name}`),
  lifespan: dur('1h'),
  before: { hooks },
  after: afterBlock(AFTER_METHODS),
  ...extra,
});

const addressFlow = (name: string): BranchSpec =>
  flow(name, {
    enabled: bool(false),
    use: oneOf(['code', 'link'], 'code'),
    notify_unknown_recipients: bool(false),
  });

const strings = (d: string[]): LeafSpec => ({ [LEAF]: 'strings', default: d });

/** serve.public.cors (Kratos hands it to rs/cors); defaults from Kratos's config schema. */
const CORS: BranchSpec = {
  enabled: bool(false),
  allowed_origins: strings(['*']),
  allowed_methods: strings(['POST', 'GET', 'PUT', 'PATCH', 'DELETE']),
  allowed_headers: strings([
    'Authorization',
    'Content-Type',
    'Max-Age',
    'X-Session-Token',
    'X-XSRF-TOKEN',
    'X-CSRF-TOKEN',
  ]),
  exposed_headers: strings(['Content-Type']),
  allow_credentials: bool(true),
  options_passthrough: bool(false),
  max_age: int(0, 0),
  debug: bool(false),
};

const listener = (port: number, cors: Spec = opaque): BranchSpec => ({
  base_url: url(),
  // Kratos binds 0.0.0.0; an embedded dev server binds loopback unless told otherwise.
  host: str('127.0.0.1'),
  port: int(port, 0, 65535),
  cors,
  request_log: opaque,
  socket: opaque,
  tls: opaque,
});

export const CONFIG_SPEC: BranchSpec = {
  version: opaque,
  dsn: str(),
  serve: { public: listener(4433, CORS), admin: listener(4434) },
  selfservice: {
    default_browser_return_url: url(),
    allowed_return_urls: { [LEAF]: 'urls', default: [] },
    flows: {
      // Kratos's default is unified; identifier_first asks for the identifier, then the credentials.
      login: flow('login', { style: oneOf(['unified', 'identifier_first'], 'unified') }),
      registration: flow('registration', {
        enabled: bool(true),
        login_hints: opaque,
        enable_legacy_one_step: opaque,
        // Kratos's default is profile_first: traits first, then a credential screen.
        style: oneOf(['profile_first', 'unified'], 'profile_first'),
      }),
      settings: flow('settings', {
        privileged_session_max_age: dur('1h'),
        required_aal: oneOf(AAL, 'highest_available'),
      }),
      recovery: addressFlow('recovery'),
      verification: addressFlow('verification'),
      logout: { clear_browser_data: opaque, after: { default_browser_return_url: url() } },
      error: { ui_url: url(`${FALLBACK}/error`) },
    },
    methods: {
      password: {
        enabled: bool(true),
        config: {
          // Kratos's defaults: the range check is on, and an unreachable API accepts the password.
          haveibeenpwned_enabled: bool(true),
          haveibeenpwned_host: str('api.pwnedpasswords.com'),
          max_breaches: int(0, 0, 100),
          ignore_network_errors: bool(true),
          min_password_length: int(8, 6, 1024),
          identifier_similarity_check_enabled: bool(true),
          migrate_hook: opaque,
        },
      },
      code: {
        enabled: bool(true),
        passwordless_enabled: opaque,
        mfa_enabled: opaque,
        passwordless_login_fallback_enabled: opaque,
        config: {
          lifespan: dur('1h'),
          max_submissions: opaque,
          missing_credential_fallback_enabled: opaque,
        },
      },
      link: { enabled: bool(false), config: { lifespan: dur('1h'), base_url: opaque } },
      profile: { enabled: bool(true) },
      totp: opaque,
      lookup_secret: opaque,
      webauthn: opaque,
      passkey: opaque,
      oidc: opaque,
      saml: opaque,
    },
  },
  session: {
    lifespan: dur('24h'),
    earliest_possible_extend: { [LEAF]: 'duration' },
    whoami: { required_aal: oneOf(AAL, 'highest_available'), tokenizer: opaque },
    cookie: {
      name: str('ory_kratos_session'),
      domain: str(),
      path: str(),
      // No default: unset means cookies.same_site (Kratos SessionSameSiteMode).
      same_site: { [LEAF]: 'enum', values: ['Lax', 'Strict', 'None'] },
      persistent: bool(true),
    },
  },
  cookies: {
    domain: str(),
    path: str('/'),
    same_site: oneOf(['Lax', 'Strict', 'None'], 'Lax'),
    secure: opaque,
  },
  identity: { default_schema_id: str('default'), schemas: { [LEAF]: 'schemas' } },
  hashers: {
    algorithm: oneOf(['bcrypt', 'argon2'], 'bcrypt'),
    // Kratos accepts cost 4..31; above 16 one hash takes seconds, still the operator's choice.
    bcrypt: { cost: int(12, 4, 31) },
    argon2: {
      memory: { [LEAF]: 'bytes', default: '128MB' },
      iterations: int(1, 1),
      parallelism: int(undefined, 1, 255),
      salt_length: int(16, 16, 1024),
      key_length: int(32, 16, 1024),
      expected_duration: opaque,
      expected_deviation: opaque,
      dedicated_memory: opaque,
    },
  },
  secrets: {
    default: { [LEAF]: 'secrets', minLength: 16 },
    cookie: { [LEAF]: 'secrets', minLength: 16 },
    cipher: { [LEAF]: 'secrets', minLength: 32, exactLength: 32 },
    pagination: { [LEAF]: 'secrets', minLength: 16 },
  },
  courier: {
    smtp: {
      connection_uri: str(),
      from_address: str('no-reply@ory.kratos.sh'),
      from_name: str(''),
      headers: opaque,
      local_name: opaque,
      client_cert_path: opaque,
      client_key_path: opaque,
    },
    templates: opaque,
    template_override_path: opaque,
    // Attempts after the first failed one before a message is `abandoned` (Kratos default 5).
    message_retries: int(5, 0, 1000),
    delivery_strategy: opaque,
    http: opaque,
    channels: opaque,
    worker: opaque,
    sms: opaque,
  },
  // LOG_LEVEL overrides log.level, as in Kratos.
  log: {
    level: oneOf(['trace', 'debug', 'info', 'warning', 'error', 'fatal', 'panic'], 'info'),
    leak_sensitive_values: opaque,
    redaction_text: opaque,
    format: opaque,
  },
  // Known Kratos top-level keys without meaning for the embedded server.
  tracing: opaque,
  ciphers: opaque,
  database: opaque,
  // Kratos's own Hydra integration (hydra/hydra.go): login_challenge on login and registration
  // flows; `url` is Hydra's admin URL, `headers` go on every admin call.
  oauth2_provider: {
    url: url(),
    headers: opaque,
    override_return_to: bool(false),
  },
  preview: opaque,
  security: {
    // Kratos's default (false): identifier-first login says 4000037 for an unknown account.
    account_enumeration: { mitigate: bool(false) },
    disallow_ref_in_identity_schemas: opaque,
  },
  dev: opaque,
  help: opaque,
  'sqa-opt-out': opaque,
  'watch-courier': opaque,
  'expose-metrics-port': opaque,
  config: opaque,
  clients: opaque,
  feature_flags: {
    // Kratos's default (false): a JSON client that finished recovery gets 422
    // browser_location_change_required; true: 200 with the flow and continue_with show_settings_ui.
    use_continue_with_transitions: bool(false),
    cacheable_sessions: opaque,
    cacheable_sessions_max_age: opaque,
    choose_recovery_address: opaque,
    legacy_continue_with_verification_ui: opaque,
    // Kratos's default (false): require_verified_address sends a verification code and moves the
    // browser to verification (JSON: 403 session_verified_address_required + continue_with);
    // true: the legacy form error 4000010 on the login flow.
    legacy_require_verified_login_error: bool(false),
    // Kratos's default (false): PATCH /admin/sessions/{id}/extend answers 200 with the session;
    // true: 204 without a body (Kratos's announced future default).
    faster_session_extend: bool(false),
    password_profile_registration_node_group: opaque,
    legacy_oidc_registration_node_group: opaque,
    legacy_allow_insecure_origins: opaque,
    refresh_login_choose_address: opaque,
  },
  organizations: opaque,
  enterprise: opaque,
  revision: opaque,
};
