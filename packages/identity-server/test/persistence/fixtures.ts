// Record builders for persistence tests.
import { createHash, randomUUID } from 'node:crypto';
import type { CourierMessage, FlowRecord, Identity, Session } from '../../src/persistence/types.ts';

let tick = Date.parse('2026-01-01T00:00:00.000Z');
/** Strictly increasing timestamps, so ordering assertions do not depend on the wall clock. */
export const nextTime = () => new Date((tick += 1000)).toISOString();

export function identity(email: string, overrides: Partial<Identity> = {}): Identity {
  const at = nextTime();
  return {
    id: randomUUID(),
    schema_id: 'default',
    state: 'active',
    traits: { email, name: { first: 'Ada', last: 'Lovelace' } },
    verifiable_addresses: [
      {
        id: randomUUID(),
        value: email,
        verified: false,
        via: 'email',
        status: 'pending',
        created_at: at,
        updated_at: at,
      },
    ],
    recovery_addresses: [
      { id: randomUUID(), value: email, via: 'email', created_at: at, updated_at: at },
    ],
    metadata_public: null,
    metadata_admin: { plan: 'pro' },
    credentials: {
      password: {
        type: 'password',
        identifiers: [email.toLowerCase()],
        config: { hashed_password: '$2a$04$abcdefghijklmnopqrstuuDcR3M9fKOhSgrF3/9wJ8Lq0KsDq4SEW' },
        version: 0,
        created_at: at,
        updated_at: at,
      },
    },
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function session(identityId: string, overrides: Partial<Session> = {}): Session {
  const at = nextTime();
  return {
    id: randomUUID(),
    identity_id: identityId,
    active: true,
    token_hash: sha256(randomUUID()),
    logout_token_hash: sha256(randomUUID()),
    authenticator_assurance_level: 'aal1',
    authentication_methods: [{ method: 'password', aal: 'aal1', completed_at: at }],
    devices: [{ id: randomUUID(), ip_address: '127.0.0.1', user_agent: 'test' }],
    issued_at: at,
    authenticated_at: at,
    expires_at: new Date(Date.parse(at) + 86_400_000).toISOString(),
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

export function flow(overrides: Partial<FlowRecord> = {}): FlowRecord {
  const id = randomUUID();
  const at = nextTime();
  return {
    id,
    kind: 'login',
    type: 'browser',
    expires_at: new Date(Date.parse(at) + 3_600_000).toISOString(),
    csrf_token: 'csrf-secret',
    internal: { attempts: 0 },
    body: {
      id,
      type: 'browser',
      ui: { action: `http://localhost:4433/self-service/login?flow=${id}`, nodes: [] },
    },
    ...overrides,
  };
}

export function message(
  recipient: string,
  overrides: Partial<CourierMessage> = {},
): CourierMessage {
  const at = nextTime();
  return {
    id: randomUUID(),
    type: 'email',
    status: 'queued',
    recipient,
    subject: 'Recover access to your account',
    body: 'code 123456',
    template_type: 'recovery_code_valid',
    send_count: 0,
    dispatches: [],
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}
