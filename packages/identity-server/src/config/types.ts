// The normalised configuration the server runs on. It is loaded from a kratos.yml-style file with
// Kratos's own keys (see shared/ory/kratos/config.schema.json), defaults applied, validated, frozen.
// Durations are milliseconds here; in the YAML they are Go durations ("1h", "10m", "30s").
import type { CORSConfig } from '../http/cors.ts';
import type { FlowWebHooks, WebHookFlow } from './web-hooks.ts';

export type { CORSConfig };

export interface FlowConfig {
  ui_url: string;
  lifespan_ms: number;
  enabled: boolean;
  /**
   * after.<method>.default_browser_return_url by method, and after.default_browser_return_url as
   * `global` (only the keys that are set). Optional: hand-built test configs leave it out.
   */
  after_return_urls?: Record<string, string>;
}

export interface OAuth2ProviderConfig {
  /** Hydra's admin base URL; unset: a login_challenge is refused (500 invalid_configuration). */
  url?: string;
  /** Headers sent on every call to Hydra's admin API (e.g. Authorization). */
  headers: Record<string, string>;
  /** Replace the flow's return_to with the OAuth2 request's request_url. */
  override_return_to: boolean;
}

export interface KratosConfig {
  serve: {
    public: { base_url: string; host: string; port: number; cors?: CORSConfig };
    admin: { base_url: string; host: string; port: number };
  };
  selfservice: {
    default_browser_return_url: string;
    allowed_return_urls: string[];
    flows: {
      login: FlowConfig & {
        /** after.<method>.hooks names, e.g. { password: ['require_verified_address'] }; `global` = after.hooks. */
        after_hooks?: Record<string, string[]>;
        /** unified (Kratos's default): one form; identifier_first: the identifier, then credentials. */
        style?: 'unified' | 'identifier_first';
      };
      registration: FlowConfig & {
        /** Hook names per method, e.g. { password: ['session'] } (Kratos: after.password.hooks[].hook). */
        after_hooks: Record<string, string[]>;
        /** Kratos 'show_verification_ui' hook etc.; kept as names. */
        /** profile_first (Kratos's default): traits, then a credential screen; unified: one form. */
        style: 'profile_first' | 'unified';
      };
      recovery: FlowConfig & {
        use: 'code' | 'link';
        notify_unknown_recipients: boolean;
        /** after.hooks names, e.g. { global: ['revoke_active_sessions'] }. */
        after_hooks?: Record<string, string[]>;
      };
      verification: FlowConfig & { use: 'code' | 'link'; notify_unknown_recipients: boolean };
      settings: FlowConfig & {
        /** after.<method>.hooks names, e.g. { password: ['revoke_active_sessions'] }. */
        after_hooks?: Record<string, string[]>;
        privileged_session_max_age_ms: number;
        required_aal: 'aal1' | 'highest_available';
      };
      logout: { after_default_browser_return_url?: string };
      error: { ui_url: string };
    };
    methods: {
      password: {
        enabled: boolean;
        haveibeenpwned_enabled: boolean;
        min_password_length: number;
        identifier_similarity_check_enabled: boolean;
        max_breaches: number;
        /** Host of the range API, reached as https://<host>/range/<prefix>. */
        haveibeenpwned_host: string;
        /** A failed range lookup accepts the password (Kratos default true). */
        ignore_network_errors: boolean;
      };
      code: { enabled: boolean; lifespan_ms: number };
      link: { enabled: boolean; lifespan_ms: number };
      profile: { enabled: boolean };
    };
    /** `web_hook` hooks per flow (config/web-hooks.ts); hand-built test configs may leave it out. */
    web_hooks?: Record<WebHookFlow, FlowWebHooks>;
  };
  session: {
    lifespan_ms: number;
    earliest_possible_extend_ms: number | null;
    whoami: { required_aal: 'aal1' | 'highest_available' };
    cookie: {
      name: string;
      domain?: string;
      path: string;
      same_site: 'Lax' | 'Strict' | 'None';
      persistent: boolean;
    };
  };
  cookies: { domain?: string; path: string; same_site: 'Lax' | 'Strict' | 'None' };
  identity: {
    default_schema_id: string;
    /** id → URL/path of the JSON schema (file://, base64://, or a plain path resolved against the config file). */
    schemas: Array<{ id: string; url: string }>;
  };
  hashers: {
    algorithm: 'bcrypt' | 'argon2';
    bcrypt: { cost: number };
    argon2: {
      memory_kib: number;
      iterations: number;
      parallelism: number;
      salt_length: number;
      key_length: number;
    };
  };
  secrets: { cookie: string[]; cipher: string[]; default: string[] };
  courier: {
    smtp: { connection_uri: string; from_address: string; from_name: string };
    /** Kratos courier.message_retries; optional so hand-built test configs keep working (default 5). */
    message_retries?: number;
  };
  /** DSN: "memory" (in-process PGlite), a directory path for PGlite on disk, or postgres://… */
  dsn: string;
  /** Largest accepted request body in bytes (413 above it). Not a Kratos key; Vestibule's own. */
  body_limit_bytes: number;
  /** How long a synchronous web_hook may take before the flow fails with 504 (not a Kratos key). */
  web_hook_timeout_ms?: number;
  /** Kratos feature_flags this server interprets; optional so hand-built test configs keep working. */
  feature_flags?: {
    use_continue_with_transitions: boolean;
    legacy_require_verified_login_error?: boolean;
    faster_session_extend?: boolean;
  };
  /** Kratos security.*: account_enumeration.mitigate (default false). Optional: added later. */
  security?: { account_enumeration_mitigate: boolean };
  /**
   * Kratos's oauth2_provider: with `url` (Hydra's admin API) set, login and registration flows take
   * Hydra's `login_challenge` and accept it themselves. Optional: hand-built test configs leave it out.
   */
  oauth2_provider?: OAuth2ProviderConfig;
  /** Kratos's log.level (LOG_LEVEL), mapped onto the server's four levels. Optional: added later. */
  log?: { level: 'debug' | 'info' | 'warn' | 'error' };
}
