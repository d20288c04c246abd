// Table shapes for Kysely. JSON documents are stored as TEXT (not jsonb): jsonb rejects "\u0000"
// and reorders keys, while Kratos clients expect traits and flow bodies back exactly as written.
import type { ColumnType, Generated } from 'kysely';

/** timestamptz: written as ISO strings, read back as Date (pg and PGlite both parse it). */
type Timestamp = ColumnType<Date, string, string>;
type NullableTimestamp = ColumnType<Date | null, string | null, string | null>;

export interface IdentitiesTable {
  id: string;
  schema_id: string;
  state: string;
  state_changed_at: NullableTimestamp;
  traits: string;
  verifiable_addresses: string;
  recovery_addresses: string;
  metadata_public: string | null;
  metadata_admin: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CredentialsTable {
  identity_id: string;
  type: string;
  identifiers: string;
  config: string;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CredentialIdentifiersTable {
  identity_id: string;
  type: string;
  identifier: string;
}

export interface SessionsTable {
  id: string;
  identity_id: string;
  active: boolean;
  token_hash: string;
  logout_token_hash: string;
  aal: string;
  authentication_methods: string;
  devices: string;
  issued_at: Timestamp;
  authenticated_at: Timestamp;
  expires_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FlowsTable {
  id: string;
  kind: string;
  type: string;
  expires_at: Timestamp;
  csrf_token: string;
  identity_id: string | null;
  session_id: string | null;
  consumed_at: NullableTimestamp;
  internal: string;
  body: string;
}

export interface ErrorsTable {
  id: string;
  error: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CourierMessagesTable {
  id: string;
  type: string;
  status: string;
  recipient: string;
  subject: string;
  body: string;
  template_type: string;
  send_count: number;
  dispatches: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Insertion order, the tie-breaker for messages created in the same millisecond. */
  seq: Generated<number>;
}

export interface Database {
  identities: IdentitiesTable;
  identity_credentials: CredentialsTable;
  identity_credential_identifiers: CredentialIdentifiersTable;
  sessions: SessionsTable;
  selfservice_flows: FlowsTable;
  selfservice_errors: ErrorsTable;
  courier_messages: CourierMessagesTable;
}
