// The subset of Kratos's session object (GET /sessions/whoami) that Vestibule reads. Kratos sends more
// (devices, authentication_methods …); we keep the raw JSON so nothing is lost for apps that want it.

export interface KratosIdentity {
  id: string;
  state?: string;
  schema_id?: string;
  traits: Record<string, unknown>;
  metadata_public?: Record<string, unknown> | null;
  verifiable_addresses?: Array<{ value: string; verified?: boolean; via?: string }>;
  [key: string]: unknown;
}

export interface KratosSession {
  id: string;
  active: boolean;
  /** RFC 3339; Kratos always sends it for a valid session. */
  expires_at?: string;
  authenticated_at?: string;
  authenticator_assurance_level?: string;
  identity: KratosIdentity;
  [key: string]: unknown;
}

/** Where the session credential came from: Kratos accepts a cookie or a session token. */
export type CredentialKind = 'cookie' | 'token';

export interface SessionCredential {
  kind: CredentialKind;
  value: string;
}
