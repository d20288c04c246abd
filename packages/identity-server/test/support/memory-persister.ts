// An in-memory Persister for fast unit tests of the HTTP layer (the SQL persister has its own
// tests; the contract suite runs on it). Records are deep-copied in and out like a database would.
import type {
  CourierMessage,
  Credential,
  FlowRecord,
  Identity,
  Page,
  Persister,
  SelfServiceErrorRecord,
  Session,
} from '../../src/persistence/types.ts';
import { DuplicateCredentialsError } from '../../src/persistence/types.ts';

const copy = <T>(value: T): T => structuredClone(value);

function page<T>(items: T[], size: number, token?: string): Page<T> {
  const offset = token ? Number(token) : 0;
  const slice = items.slice(offset, offset + size);
  const end = offset + slice.length;
  return end < items.length ? { items: slice, next_page_token: String(end) } : { items: slice };
}

export function createMemoryPersister(): Persister {
  const identities = new Map<string, Identity>();
  const sessions = new Map<string, Session>();
  const flows = new Map<string, FlowRecord>();
  const errors = new Map<string, SelfServiceErrorRecord>();
  const messages = new Map<string, CourierMessage>();

  const identifierTaken = (identity: Identity) => {
    for (const [type, cred] of Object.entries(identity.credentials) as [string, Credential][]) {
      for (const id of cred.identifiers) {
        for (const other of identities.values()) {
          if (other.id === identity.id) continue;
          const theirs = other.credentials[type as Credential['type']]?.identifiers ?? [];
          if (theirs.some((t) => t.toLowerCase() === id.toLowerCase())) return id;
        }
      }
    }
    return undefined;
  };

  const persister: Persister = {
    async createIdentity(identity) {
      const taken = identifierTaken(identity);
      if (taken) throw new DuplicateCredentialsError(taken);
      identities.set(identity.id, copy(identity));
    },
    async updateIdentity(identity) {
      const taken = identifierTaken(identity);
      if (taken) throw new DuplicateCredentialsError(taken);
      identities.set(identity.id, copy(identity));
    },
    getIdentity: async (id) => copy(identities.get(id)),
    async findIdentityByCredentialIdentifier(type, identifier) {
      const wanted = identifier.toLowerCase();
      for (const identity of identities.values()) {
        const ids = identity.credentials[type]?.identifiers ?? [];
        if (ids.some((i) => i.toLowerCase() === wanted)) return copy(identity);
      }
      return undefined;
    },
    listIdentities: async (q) =>
      page([...identities.values()].map(copy), q.page_size, q.page_token),
    deleteIdentity: async (id) => identities.delete(id),

    createSession: async (s) => void sessions.set(s.id, copy(s)),
    getSession: async (id) => copy(sessions.get(id)),
    getSessionByTokenHash: async (hash) =>
      copy([...sessions.values()].find((s) => s.token_hash === hash)),
    async getSessionWithIdentityByTokenHash(hash) {
      const session = [...sessions.values()].find((s) => s.token_hash === hash);
      const identity = session && identities.get(session.identity_id);
      return session && identity ? { session: copy(session), identity: copy(identity) } : undefined;
    },
    getSessionByLogoutTokenHash: async (hash) =>
      copy([...sessions.values()].find((s) => s.logout_token_hash === hash)),
    updateSession: async (s) => void sessions.set(s.id, copy(s)),
    listSessionsOfIdentity: async (identityId, options) =>
      [...sessions.values()]
        .filter((s) => s.identity_id === identityId)
        .filter((s) => options?.active === undefined || s.active === options.active)
        .map(copy),
    listSessions: async (o) =>
      page(
        [...sessions.values()]
          .filter((s) => o.active === undefined || s.active === o.active)
          .map(copy),
        o.page_size,
        o.page_token,
      ),
    async revokeSession(id) {
      const s = sessions.get(id);
      if (!s || !s.active) return false;
      s.active = false;
      return true;
    },
    async revokeSessionsOfIdentity(identityId, options) {
      let n = 0;
      for (const s of sessions.values()) {
        if (s.identity_id === identityId && s.active && s.id !== options?.exceptSessionId) {
          s.active = false;
          n++;
        }
      }
      return n;
    },

    createFlow: async (f) => void flows.set(f.id, copy(f)),
    getFlow: async (id) => copy(flows.get(id)),
    updateFlow: async (f) => {
      const stored = flows.get(f.id);
      // consumed_at is only ever set by consumeFlow (as the SQL persister does).
      flows.set(f.id, {
        ...copy(f),
        ...(stored?.consumed_at ? { consumed_at: stored.consumed_at } : {}),
      });
    },
    async consumeFlow(id, at) {
      const f = flows.get(id);
      if (!f || f.consumed_at) return false;
      f.consumed_at = at;
      return true;
    },

    createError: async (e) => void errors.set(e.id, copy(e)),
    getError: async (id) => copy(errors.get(id)),

    createMessage: async (m) => void messages.set(m.id, copy(m)),
    updateMessage: async (m) => void messages.set(m.id, copy(m)),
    getMessage: async (id) => copy(messages.get(id)),
    listMessages: async (o) => page([...messages.values()].map(copy), o.page_size, o.page_token),

    async transaction(fn) {
      // Single-threaded JS with no awaits between check and set in consumeFlow keeps this safe;
      // on failure, undo identity writes made inside the callback.
      const snapshot = new Map(identities);
      const flowSnapshot = new Map([...flows].map(([k, v]) => [k, copy(v)]));
      try {
        return await fn(persister);
      } catch (err) {
        identities.clear();
        for (const [k, v] of snapshot) identities.set(k, v);
        flows.clear();
        for (const [k, v] of flowSnapshot) flows.set(k, v);
        throw err;
      }
    },
    ping: async () => {},
    close: async () => {},
  };
  return persister;
}
