// The tables of the embedded OAuth2 server. oidc-provider's models (clients, codes, tokens,
// sessions, interactions, grants) share one key-value table, as its adapter contract expects;
// Hydra's own records (remembered consents, logout requests, signing keys) get theirs.
import type { ColumnType, Generated } from 'kysely';

export interface PayloadsTable {
  model: string;
  id: string;
  payload: ColumnType<unknown, string, string>;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: Date | null;
  consumed_at: Date | null;
}

export interface ConsentSessionsTable {
  grant_id: string;
  subject: string;
  client_id: string;
  login_session_id: string | null;
  granted_scope: ColumnType<string[], string, string>;
  granted_audience: ColumnType<string[], string, string>;
  session: ColumnType<unknown, string, string>;
  remember: boolean;
  /** Null: remembered without an end (Hydra's remember_for 0). */
  remember_until: Date | null;
  handled_at: Date;
  request: ColumnType<unknown, string, string>;
  revoked: Generated<boolean>;
}

export interface JSONWebKeysTable {
  set_id: string;
  kid: string;
  key: ColumnType<unknown, string, string>;
  created_at: Date;
}

export interface Database {
  oauth2_payloads: PayloadsTable;
  hydra_consent_sessions: ConsentSessionsTable;
  hydra_jwk: JSONWebKeysTable;
}
