// The subset of Hydra's `hydra.yml` the embedded server reads, with Hydra's own key names
// (`spec/config.json` in ory/hydra). Durations are already converted to seconds.
export interface HydraConfig {
  dsn: string;
  serve: {
    public: { host: string; port: number };
    admin: { host: string; port: number };
  };
  urls: {
    self: { issuer: string };
    login: string;
    consent: string;
    logout: string;
    error: string;
    post_logout_redirect: string;
  };
  ttl: {
    access_token: number;
    refresh_token: number;
    id_token: number;
    auth_code: number;
    login_consent_request: number;
    authentication_session: number;
  };
  oauth2: {
    pkce: { enforced: boolean; enforced_for_public_clients: boolean };
  };
  /** `scope`: how requested scopes are matched against a client's (fosite's strategies). */
  strategies: { access_token: 'opaque' | 'jwt'; scope: 'exact' | 'wildcard' };
  secrets: { system: string[] };
  /** `--dev` (or `dev: true`): cookie names get `_dev`, http issuers are allowed. */
  dev: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
