// An in-memory Persister for fast unit tests of the HTTP layer. It runs the same Persister suite as
// the SQL backends (test/persistence/memory-persister.test.ts): the same orderings, keyset page
// tokens, filters and cascades. Records are deep-copied in and out like a database would.
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
import {
  decodePageToken,
  encodePageToken,
  InvalidPageTokenError,
} from '../../src/persistence/page-token.ts';

// Through JSON, as the SQL persisters store every record (jsonb/text): a value JSON cannot keep
// (-0, undefined members) comes back as it would from the database, not as it went in.
const copy = <T>(value: T): T =>
  value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);

/** Keyset paging over already sorted and filtered items, as the SQL persister pages. */
function page<T>(sorted: T[], size: number, keyOf: (item: T) => Record<string, string>): Page<T> {
  const items = sorted.slice(0, size).map(copy);
  const last = items.at(-1);
  return sorted.length > size && last
    ? { items, next_page_token: encodePageToken(keyOf(last)) }
    : { items };
}

/** Newest first by (created_at, id), as the SQL persister lists sessions. */
const newestFirst = (a: Session, b: Session): number =>
  Date.parse(b.created_at) - Date.parse(a.created_at) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);

/** Sessions after the page token's (created_at, id) key in newest-first order. */
function afterSessionToken(token: string | undefined): (s: Session) => boolean {
  if (!token) return () => true;
  const key = decodePageToken(token, ['c', 'id']);
  const at = Date.parse(key.c);
  if (Number.isNaN(at)) throw new InvalidPageTokenError();
  return (s) => Date.parse(s.created_at) < at || (Date.parse(s.created_at) === at && s.id < key.id);
}

function hasIdentifier(identity: Identity, wanted: string): boolean {
  return Object.values(identity.credentials).some((c) =>
    c.identifiers.some((i) => i.toLowerCase() === wanted.toLowerCase()),
  );
}

export function createMemoryPersister(): Persister {
  const identities = new Map<string, Identity>();
  const sessions = new Map<string, Session>();
  const flows = new Map<string, FlowRecord>();
  const errors = new Map<string, SelfServiceErrorRecord>();
  const messages = new Map<string, CourierMessage>();
  // Insertion order of messages (the SQL table's `seq`): listing is newest first by it.
  const seqOf = new Map<string, number>();

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
      if (!identities.has(identity.id)) throw new Error(`identity ${identity.id} does not exist`);
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
    async listIdentities(q) {
      const after = q.page_token ? decodePageToken(q.page_token, ['id']).id : undefined;
      const wanted = q.credentials_identifier;
      const sorted = [...identities.values()]
        .filter((i) => after === undefined || i.id > after)
        .filter((i) => !q.ids?.length || q.ids.includes(i.id))
        .filter((i) => wanted === undefined || hasIdentifier(i, wanted))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      return page(sorted, q.page_size, (last) => ({ id: last.id }));
    },
    async deleteIdentity(id) {
      // Credentials live on the identity; its sessions go with it (ON DELETE CASCADE).
      for (const s of [...sessions.values()]) if (s.identity_id === id) sessions.delete(s.id);
      return identities.delete(id);
    },

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
        .sort(newestFirst)
        .map(copy),
    async listSessions(o) {
      const after = afterSessionToken(o.page_token);
      const sorted = [...sessions.values()]
        .filter((s) => o.active === undefined || s.active === o.active)
        .filter(after)
        .sort(newestFirst);
      return page(sorted, o.page_size, (last) => ({ c: last.created_at, id: last.id }));
    },
    async revokeSession(id) {
      const s = sessions.get(id);
      if (!s || !s.active) return false;
      s.active = false;
      return true;
    },
    async deleteSessionsOfIdentity(identityId) {
      let n = 0;
      for (const [id, s] of sessions) {
        if (s.identity_id === identityId) {
          sessions.delete(id);
          n++;
        }
      }
      return n;
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
      // A new record, never a mutation: transaction() snapshots the map shallowly.
      flows.set(id, { ...f, consumed_at: at });
      return true;
    },

    createError: async (e) => void errors.set(e.id, copy(e)),
    getError: async (id) => copy(errors.get(id)),

    async createMessage(m) {
      messages.set(m.id, copy(m));
      seqOf.set(m.id, seqOf.size + 1);
    },
    updateMessage: async (m) => void messages.set(m.id, copy(m)),
    getMessage: async (id) => copy(messages.get(id)),
    async listMessages(o) {
      const { seq } = o.page_token ? decodePageToken(o.page_token, ['seq']) : { seq: undefined };
      if (seq !== undefined && !/^\d{1,15}$/.test(seq)) throw new InvalidPageTokenError();
      const sorted = [...messages.values()]
        .filter((m) => !o.status || m.status === o.status)
        .filter((m) => !o.recipient || m.recipient === o.recipient)
        .filter((m) => seq === undefined || seqOf.get(m.id)! < Number(seq))
        .sort((a, b) => seqOf.get(b.id)! - seqOf.get(a.id)!);
      return page(sorted, o.page_size, (last) => ({ seq: String(seqOf.get(last.id)) }));
    },

    async transaction(fn) {
      // Single-threaded JS with no awaits between check and set in consumeFlow keeps this safe;
      // on failure, undo identity writes made inside the callback.
      const snapshot = new Map(identities);
      // Shallow: every flow write replaces its record (a deep copy of all flows made each
      // transaction cost O(flows) and skewed the timing tests as flows piled up).
      const flowSnapshot = new Map(flows);
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
