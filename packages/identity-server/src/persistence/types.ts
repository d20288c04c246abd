// The storage contract between the HTTP layer (flows, sessions, admin) and the SQL persister.
// Shapes follow Kratos's own JSON (snake_case) so records can be returned on the wire as they are.
// Timestamps are ISO-8601 strings in UTC, as Kratos sends them.

export type IdentityState = 'active' | 'inactive';

export interface VerifiableAddress {
  id: string;
  value: string;
  verified: boolean;
  via: 'email' | 'sms';
  status: 'pending' | 'sent' | 'completed';
  verified_at?: string;
  created_at: string;
  updated_at: string;
}

export interface RecoveryAddress {
  id: string;
  value: string;
  via: 'email' | 'sms';
  created_at: string;
  updated_at: string;
}

/** One credential of an identity (Kratos `identityCredentials`). For `password`, config = { hashed_password }. */
export interface Credential {
  type: 'password' | 'code' | 'oidc' | 'totp' | 'webauthn' | 'lookup_secret' | 'passkey';
  identifiers: string[];
  config: Record<string, unknown>;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Identity {
  id: string;
  schema_id: string;
  state: IdentityState;
  state_changed_at?: string;
  traits: Record<string, unknown>;
  verifiable_addresses: VerifiableAddress[];
  recovery_addresses: RecoveryAddress[];
  metadata_public: Record<string, unknown> | null;
  metadata_admin: Record<string, unknown> | null;
  credentials: Partial<Record<Credential['type'], Credential>>;
  created_at: string;
  updated_at: string;
}

export interface AuthenticationMethod {
  method: string;
  aal: 'aal1' | 'aal2';
  completed_at: string;
}

export interface SessionDevice {
  id: string;
  ip_address?: string;
  user_agent?: string;
  location?: string;
}

export interface Session {
  id: string;
  identity_id: string;
  active: boolean;
  /** The secret a cookie or X-Session-Token carries. Only its SHA-256 is stored. */
  token_hash: string;
  /** Logout token (for /self-service/logout?token=); only its SHA-256 is stored. */
  logout_token_hash: string;
  authenticator_assurance_level: 'aal0' | 'aal1' | 'aal2' | 'aal3';
  authentication_methods: AuthenticationMethod[];
  devices: SessionDevice[];
  issued_at: string;
  authenticated_at: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

export type FlowKind = 'login' | 'registration' | 'recovery' | 'verification' | 'settings';

/**
 * A self-service flow. `body` is the flow object exactly as Kratos returns it on the wire
 * (id, type, expires_at, issued_at, request_url, ui, state, …); the other fields are server-side only.
 */
export interface FlowRecord {
  id: string;
  kind: FlowKind;
  /** `browser` or `api`, mirrored from body.type. */
  type: 'browser' | 'api';
  expires_at: string;
  /** CSRF secret the flow was issued with (browser flows); compared against the CSRF cookie. */
  csrf_token: string;
  /** Session or identity the flow belongs to (settings flows, refresh logins). */
  identity_id?: string;
  session_id?: string;
  /** Set once, atomically, when the flow succeeds; a consumed flow cannot be submitted again. */
  consumed_at?: string;
  /** Server-side state that must not go on the wire (e.g. hashed recovery codes, attempt counters). */
  internal: Record<string, unknown>;
  body: Record<string, unknown>;
}

export interface SelfServiceErrorRecord {
  id: string;
  error: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface CourierMessage {
  id: string;
  type: 'email' | 'phone';
  status: 'queued' | 'sent' | 'processing' | 'abandoned';
  recipient: string;
  subject: string;
  body: string;
  template_type: string;
  send_count: number;
  dispatches: Array<{
    id: string;
    status: 'failed' | 'success';
    error?: Record<string, unknown>;
    created_at: string;
  }>;
  created_at: string;
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque token for the next page (Kratos's keyset pagination `page_token`), absent on the last page. */
  next_page_token?: string;
}

export interface ListIdentitiesQuery {
  page_size: number;
  page_token?: string;
  credentials_identifier?: string;
  ids?: string[];
}

/** Thrown by the persister when a unique constraint (e.g. a credential identifier) is violated. */
export class DuplicateCredentialsError extends Error {
  constructor(readonly identifier: string) {
    super(`An identity with identifier "${identifier}" already exists`);
    this.name = 'DuplicateCredentialsError';
  }
}

export interface IdentityPersister {
  createIdentity(identity: Identity): Promise<void>;
  updateIdentity(identity: Identity): Promise<void>;
  getIdentity(id: string): Promise<Identity | undefined>;
  /** Case-insensitive for email-like identifiers, as Kratos lower-cases them. */
  findIdentityByCredentialIdentifier(
    type: Credential['type'],
    identifier: string,
  ): Promise<Identity | undefined>;
  listIdentities(query: ListIdentitiesQuery): Promise<Page<Identity>>;
  deleteIdentity(id: string): Promise<boolean>;
}

export interface SessionPersister {
  createSession(session: Session): Promise<void>;
  getSession(id: string): Promise<Session | undefined>;
  getSessionByTokenHash(tokenHash: string): Promise<Session | undefined>;
  /** The session and its identity (with credentials) in one lookup: the hot path of whoami. */
  getSessionWithIdentityByTokenHash(
    tokenHash: string,
  ): Promise<{ session: Session; identity: Identity } | undefined>;
  getSessionByLogoutTokenHash(logoutTokenHash: string): Promise<Session | undefined>;
  updateSession(session: Session): Promise<void>;
  listSessionsOfIdentity(identityId: string, options?: { active?: boolean }): Promise<Session[]>;
  listSessions(options: {
    page_size: number;
    page_token?: string;
    active?: boolean;
  }): Promise<Page<Session>>;
  /** Marks sessions inactive; returns how many were revoked. */
  revokeSession(id: string): Promise<boolean>;
  revokeSessionsOfIdentity(
    identityId: string,
    options?: { exceptSessionId?: string },
  ): Promise<number>;
  /** Deletes every session of the identity (Kratos's admin delete-all); returns how many. */
  deleteSessionsOfIdentity(identityId: string): Promise<number>;
}

export interface FlowPersister {
  createFlow(flow: FlowRecord): Promise<void>;
  getFlow(id: string): Promise<FlowRecord | undefined>;
  updateFlow(flow: FlowRecord): Promise<void>;
  /** Atomically marks the flow consumed. Resolves true for exactly one caller; false if already consumed. */
  consumeFlow(id: string, at: string): Promise<boolean>;
}

export interface ErrorPersister {
  createError(record: SelfServiceErrorRecord): Promise<void>;
  getError(id: string): Promise<SelfServiceErrorRecord | undefined>;
}

export interface CourierPersister {
  createMessage(message: CourierMessage): Promise<void>;
  updateMessage(message: CourierMessage): Promise<void>;
  getMessage(id: string): Promise<CourierMessage | undefined>;
  listMessages(options: {
    page_size: number;
    page_token?: string;
    status?: CourierMessage['status'];
    recipient?: string;
  }): Promise<Page<CourierMessage>>;
}

export interface Persister
  extends IdentityPersister, SessionPersister, FlowPersister, ErrorPersister, CourierPersister {
  /** Runs `fn` in one database transaction (PGlite serialises; PostgreSQL uses a real transaction). */
  transaction<T>(fn: (tx: Persister) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
