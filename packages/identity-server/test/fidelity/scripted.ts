// The second half of issue 14's measurement: what the transcripts do not record — the admin
// identities API, the sessions endpoints, routing between the ports and malformed input. No real
// Kratos answered these requests here; each step's expected answer is READ FROM KRATOS'S SOURCE
// (ory/kratos handlers, ory/x pagination, herodot) and cited beside it, so a figure from this file
// is "agrees with what Kratos's code says", not "agrees with a recording". JSON answers are also
// validated against Kratos's OpenAPI document (../support/openapi.ts, Ajv).
import type { IdentityServer } from '../../src/server.ts';
import { createResponseValidator, loadKratosOpenAPI } from '../support/openapi.ts';
import { ADMIN_ORIGIN, PUBLIC_ORIGIN } from './replay.ts';
import { diffShapes, shapeOf, type Answer } from './shape.ts';

/** An answer's shape as the replay compares it, plus the Link header and the kind of body. */
export interface Expectation {
  status: number;
  /** `origin + path + ?sorted query keys`, as shape.ts prints a Location. */
  location?: string;
  /** 'json', 'text' (a plain-text or HTML body), 'empty'. */
  body: 'json' | 'text' | 'empty';
  /** Per Link entry: `rel path?sorted query keys` (a relative URL prints without an origin). */
  link?: string[];
  /** A subset of shape.ts's body shape: keys, error, identity, session, list. */
  shape?: Record<string, unknown>;
}

interface Request_ {
  method: string;
  port: 'public' | 'admin';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ScriptedStep {
  name: string;
  /** Where in Kratos's source the expectation comes from. */
  source: string;
  request: (state: State) => Request_;
  expect: (state: State) => Expectation;
  /** Reads values later steps need (ids) from the embedded server's answer. */
  learn?: (body: unknown, state: State) => void;
}

export interface State {
  ids: Record<string, string>;
  tokens: Record<string, string>;
}

export interface ScriptedResult {
  name: string;
  differences: string[];
}

const UNKNOWN = '6b0c2b0e-5d8b-4f0e-9a57-000000000000';
const json = (value: unknown) => JSON.stringify(value);
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

// identity/identity.go: the keys of an identity; `credentials` and `metadata_admin` are omitempty
// in the admin marshalers (WithCredentialsMetadataAndAdminMetadataInJSON), present when filled.
const IDENTITY_KEYS = [
  'created_at',
  'id',
  'metadata_public',
  'organization_id',
  'recovery_addresses',
  'schema_id',
  'schema_url',
  'state',
  'state_changed_at',
  'traits',
  'updated_at',
  'verifiable_addresses',
];
const withKeys = (...extra: string[]) => [...IDENTITY_KEYS, ...extra].sort();
// session/session.go: the Session struct's JSON keys (identity and devices are not omitempty).
const SESSION_KEYS = [
  'active',
  'authenticated_at',
  'authentication_methods',
  'authenticator_assurance_level',
  'devices',
  'expires_at',
  'id',
  'identity',
  'issued_at',
];
// herodot's DefaultError: no id and no reason unless the handler adds one.
const plainError = (code: number, reason = false) => ({
  keys: ['error'],
  error: { id: null, code, reason, details: false },
});
const identityList = (n: number, ...extra: string[]) => ({
  list: Array.from({ length: n }, () => withKeys(...extra).join(',')),
});

function createBody(email: string, password?: string) {
  return json({
    schema_id: 'default',
    traits: { email },
    ...(password ? { credentials: { password: { config: { password } } } } : {}),
  });
}

export const SCRIPTED_STEPS: ScriptedStep[] = [
  // ── Admin identities (kratos identity/handler.go) ──────────────────────────────────────────
  {
    name: 'create an identity with a password',
    source: 'identity/handler.go create: WriteCreated(SelfAdminURL/identities/{id})',
    request: () => ({
      method: 'POST',
      port: 'admin',
      path: '/admin/identities',
      headers: JSON_HEADERS,
      body: createBody('scripted-a@example.org', 'a long enough password 1'),
    }),
    expect: () => ({
      status: 201,
      body: 'json',
      location: `${ADMIN_ORIGIN}/identities/{id}?`,
      shape: { keys: withKeys('credentials'), identity: { credentials: ['password'] } },
    }),
    learn: (body, s) => (s.ids.a = (body as { id: string }).id),
  },
  {
    name: 'create an identity without a password: an empty password credential',
    source:
      'identity/manager.go Create + schema extension: the identifier trait makes a password credential with identifiers and an empty config',
    request: () => ({
      method: 'POST',
      port: 'admin',
      path: '/admin/identities',
      headers: JSON_HEADERS,
      body: createBody('scripted-b@example.org'),
    }),
    expect: () => ({
      status: 201,
      body: 'json',
      location: `${ADMIN_ORIGIN}/identities/{id}?`,
      shape: { keys: withKeys('credentials'), identity: { credentials: ['password'] } },
    }),
    learn: (body, s) => (s.ids.b = (body as { id: string }).id),
  },
  {
    name: 'create: the same identifier again is 409',
    source:
      'identity/handler.go create: sqlcon.ErrUniqueViolation → ErrConflict "This identity conflicts…"',
    request: () => ({
      method: 'POST',
      port: 'admin',
      path: '/admin/identities',
      headers: JSON_HEADERS,
      body: createBody('scripted-a@example.org'),
    }),
    expect: () => ({ status: 409, body: 'json', shape: plainError(409, true) }),
  },
  {
    name: 'get an identity: credentials and metadata_admin (null) shown',
    source: 'identity/handler.go get: WithCredentialsAndAdminMetadataInJSON (no omitempty)',
    request: (s) => ({ method: 'GET', port: 'admin', path: `/admin/identities/${s.ids.a}` }),
    expect: () => ({
      status: 200,
      body: 'json',
      shape: {
        keys: withKeys('credentials', 'metadata_admin'),
        identity: { credentials: ['password'] },
      },
    }),
  },
  {
    name: 'get an unknown identity is 404',
    source: 'identity/handler.go get: GetIdentityConfidential → sqlcon.ErrNoRows → 404',
    request: () => ({ method: 'GET', port: 'admin', path: `/admin/identities/${UNKNOWN}` }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404) }),
  },
  {
    name: 'get with a malformed id is 404 (x.ParseUUID yields the nil UUID)',
    source: 'identity/handler.go get: x.ParseUUID(ps.ByName("id")) → uuid.Nil → not found',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/identities/not-a-uuid' }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404) }),
  },
  {
    name: 'get with an unknown include_credential is 400',
    source: 'identity/handler.go get: ParseCredentialsType fails → ErrBadRequest.WithReasonf',
    request: (s) => ({
      method: 'GET',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}?include_credential=bogus`,
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400, true) }),
  },
  {
    name: 'list identities: credentials and metadata_admin left out; Link first',
    source:
      'identity/handler.go list: Expand=ExpandDefault (no credentials); keysetpagination.Header: rel="first" with page_size and page_token',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/identities' }),
    expect: () => ({
      status: 200,
      body: 'json',
      link: ['first /admin/identities?page_size&page_token'],
      shape: identityList(2),
    }),
  },
  {
    name: 'list identities page_size=1: Link first and next',
    source: 'ory/x keysetpagination.Header: next link while the page is not the last',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/identities?page_size=1' }),
    expect: () => ({
      status: 200,
      body: 'json',
      link: [
        'first /admin/identities?page_size&page_token',
        'next /admin/identities?page_size&page_token',
      ],
      shape: identityList(1),
    }),
  },
  {
    name: 'list identities page_size=0 is 200 (the default size)',
    source: 'ory/x keysetpagination.Parse WithSize(0); Paginator.Size falls back to the default',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/identities?page_size=0' }),
    expect: () => ({
      status: 200,
      body: 'json',
      link: ['first /admin/identities?page_size&page_token'],
      shape: identityList(2),
    }),
  },
  {
    name: 'list identities page_size=abc is 400',
    source:
      'x/pagination.go ParseKeysetOrPagePagination: strconv.Atoi error → ErrBadRequest.WithReason',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/identities?page_size=abc' }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400, true) }),
  },
  {
    name: 'list identities by credentials_identifier: credentials included',
    source: 'identity/handler.go list: a credentials_identifier sets Expand=ExpandEverything',
    request: () => ({
      method: 'GET',
      port: 'admin',
      path: '/admin/identities?credentials_identifier=scripted-a%40example.org',
    }),
    expect: () => ({
      status: 200,
      body: 'json',
      link: ['first /admin/identities?credentials_identifier&page_size&page_token'],
      shape: identityList(1, 'credentials'),
    }),
  },
  {
    name: 'both identifier filters is 400',
    source:
      'identity/handler.go list: "Cannot pass both credentials_identifier and preview_credentials_identifier_similar."',
    request: () => ({
      method: 'GET',
      port: 'admin',
      path: '/admin/identities?credentials_identifier=a&preview_credentials_identifier_similar=b',
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400, true) }),
  },
  {
    name: 'PATCH an identity (JSON Patch): the identity with credentials',
    source: 'identity/handler.go patch: Write(WithCredentialsMetadataAndAdminMetadataInJSON)',
    request: (s) => ({
      method: 'PATCH',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}`,
      headers: JSON_HEADERS,
      body: json([{ op: 'replace', path: '/metadata_public', value: { role: 'x' } }]),
    }),
    expect: () => ({
      status: 200,
      body: 'json',
      shape: { keys: withKeys('credentials'), identity: { credentials: ['password'] } },
    }),
  },
  {
    name: 'PATCH /credentials is refused (400)',
    source:
      'identity/handler.go patch: jsonx.ApplyJSONPatch(…, "/id", "/stateChangedAt", "/credentials") → ErrBadRequest.WithReasonf',
    request: (s) => ({
      method: 'PATCH',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}`,
      headers: JSON_HEADERS,
      body: json([{ op: 'remove', path: '/credentials' }]),
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400, true) }),
  },
  {
    name: 'PATCH with a body that is not a JSON Patch is 400',
    source: 'identity/handler.go patch: ApplyJSONPatch error → ErrBadRequest.WithReasonf',
    request: (s) => ({
      method: 'PATCH',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}`,
      headers: JSON_HEADERS,
      body: '{"op":',
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400, true) }),
  },
  {
    name: 'PATCH an unknown identity is 404',
    source: 'identity/handler.go patch: GetIdentityConfidential before the patch → 404',
    request: () => ({
      method: 'PATCH',
      port: 'admin',
      path: `/admin/identities/${UNKNOWN}`,
      headers: JSON_HEADERS,
      body: json([{ op: 'replace', path: '/metadata_public', value: {} }]),
    }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404) }),
  },
  {
    name: 'PUT an identity: the identity with credentials',
    source: 'identity/handler.go update: Write(WithCredentialsMetadataAndAdminMetadataInJSON)',
    request: (s) => ({
      method: 'PUT',
      port: 'admin',
      path: `/admin/identities/${s.ids.b}`,
      headers: JSON_HEADERS,
      body: json({
        schema_id: 'default',
        traits: { email: 'scripted-b@example.org' },
        state: 'active',
      }),
    }),
    expect: () => ({
      status: 200,
      body: 'json',
      shape: { keys: withKeys('credentials'), identity: { credentials: ['password'] } },
    }),
  },
  {
    name: 'delete the only password credential is 400',
    source:
      'identity/handler.go deleteIdentityCredentials: CredentialsTypePassword → ErrBadRequest "You can\'t remove first factor credentials."',
    request: (s) => ({
      method: 'DELETE',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}/credentials/password`,
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400, true) }),
  },
  {
    name: 'delete a credential type the identity lacks is 404',
    source:
      'identity/handler.go deleteIdentityCredentials: GetCredentials !ok → ErrNotFound.WithReasonf',
    request: (s) => ({
      method: 'DELETE',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}/credentials/totp`,
    }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404, true) }),
  },
  // ── Malformed input on the admin API ──────────────────────────────────────────────────────
  {
    name: 'create with malformed JSON is 400',
    source: 'identity/handler.go create: jsonx.NewStrictDecoder error → ErrBadRequest.WithError',
    request: () => ({
      method: 'POST',
      port: 'admin',
      path: '/admin/identities',
      headers: JSON_HEADERS,
      body: '{"schema_id":',
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400) }),
  },
  {
    name: 'create with a JSON array is 400',
    source: 'identity/handler.go create: strict decoding into CreateIdentityBody fails → 400',
    request: () => ({
      method: 'POST',
      port: 'admin',
      path: '/admin/identities',
      headers: JSON_HEADERS,
      body: '[]',
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400) }),
  },
  {
    name: 'create with an unknown field is 400 (strict decoder)',
    source: 'identity/handler.go create: jsonx.NewStrictDecoder disallows unknown fields',
    request: () => ({
      method: 'POST',
      port: 'admin',
      path: '/admin/identities',
      headers: JSON_HEADERS,
      body: json({ schema_id: 'default', traits: { email: 'x@example.org' }, nope: 1 }),
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400) }),
  },
  {
    name: 'create sent as text/plain is decoded anyway (201)',
    source:
      'identity/handler.go create: jsonx.NewStrictDecoder(r.Body) reads the body whatever its Content-Type',
    request: () => ({
      method: 'POST',
      port: 'admin',
      path: '/admin/identities',
      headers: { 'content-type': 'text/plain', accept: 'application/json' },
      body: createBody('scripted-c@example.org'),
    }),
    expect: () => ({
      status: 201,
      body: 'json',
      location: `${ADMIN_ORIGIN}/identities/{id}?`,
      shape: { keys: withKeys('credentials'), identity: { credentials: ['password'] } },
    }),
    learn: (body, s) => (s.ids.c = (body as { id: string }).id),
  },
  {
    name: 'admin sessions list with active=maybe is 400',
    source:
      'session/handler.go adminListSessions: strconv.ParseBool error → ErrBadRequest.WithError',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/sessions?active=maybe' }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400) }),
  },
  {
    name: 'admin sessions list with an unknown expand is 400',
    source: 'session/handler.go adminListSessions: ParseExpandable !ok → ErrBadRequest.WithReasonf',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/sessions?expand=bogus' }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400, true) }),
  },
  {
    name: 'admin session with a malformed id is 400',
    source: 'session/handler.go getSession: uuid.FromString error → ErrBadRequest.WithError',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/sessions/not-a-uuid' }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400) }),
  },
  {
    name: 'sessions of an identity with a malformed id is 400',
    source: 'session/handler.go listIdentitySessions: uuid.FromString error → 400',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/identities/nope/sessions' }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400) }),
  },
  // ── Sessions (kratos session/handler.go) ──────────────────────────────────────────────────
  {
    name: 'whoami with a session token',
    source: 'session/handler.go whoami: Write(s) with the identity without credentials',
    request: (s) => ({
      method: 'GET',
      port: 'public',
      path: '/sessions/whoami',
      headers: { 'x-session-token': s.tokens.a1! },
    }),
    expect: () => ({
      status: 200,
      body: 'json',
      shape: {
        keys: SESSION_KEYS,
        session: { keys: SESSION_KEYS, identity: { keys: IDENTITY_KEYS, credentials: null } },
      },
    }),
    learn: (body, s) => (s.ids.session_a1 = (body as { id: string }).id),
  },
  {
    name: 'GET /sessions lists my other active sessions',
    source:
      'session/handler.go listMySessions: ListSessionsByIdentity(active, except current), ExpandEverything; x.PaginationHeader',
    request: (s) => ({
      method: 'GET',
      port: 'public',
      path: '/sessions',
      headers: { 'x-session-token': s.tokens.a1! },
    }),
    expect: () => ({
      status: 200,
      body: 'json',
      shape: { list: [SESSION_KEYS.join(',')] },
    }),
    learn: (body, s) => (s.ids.session_a2 = (body as Array<{ id: string }>)[0]!.id),
  },
  {
    name: 'GET /sessions without a session is 401',
    source:
      'session/handler.go listMySessions: ErrUnauthorized.WithReasonf("No valid session cookie found.")',
    request: () => ({ method: 'GET', port: 'public', path: '/sessions' }),
    expect: () => ({ status: 401, body: 'json', shape: plainError(401, true) }),
  },
  {
    name: "DELETE /sessions/{another user's session} is 204 (and revokes nothing)",
    source:
      'session/handler.go deleteMySession: RevokeSession(identity, sid) updates no row, no error → 204',
    request: (s) => ({
      method: 'DELETE',
      port: 'public',
      path: `/sessions/${s.ids.session_c}`,
      headers: { 'x-session-token': s.tokens.a1! },
    }),
    expect: () => ({ status: 204, body: 'empty' }),
  },
  {
    name: 'DELETE /sessions/{unknown} is 204',
    source: 'session/handler.go deleteMySession: RevokeSession of no row → 204',
    request: (s) => ({
      method: 'DELETE',
      port: 'public',
      path: `/sessions/${UNKNOWN}`,
      headers: { 'x-session-token': s.tokens.a1! },
    }),
    expect: () => ({ status: 204, body: 'empty' }),
  },
  {
    name: 'DELETE /sessions/{current} is 400',
    source:
      'session/handler.go deleteMySession: "cannot revoke current session" → ErrBadRequest.WithError',
    request: (s) => ({
      method: 'DELETE',
      port: 'public',
      path: `/sessions/${s.ids.session_a1}`,
      headers: { 'x-session-token': s.tokens.a1! },
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400) }),
  },
  {
    name: 'DELETE /sessions/{malformed} is 400',
    source: 'session/handler.go deleteMySession: uuid.FromString error → ErrBadRequest.WithError',
    request: (s) => ({
      method: 'DELETE',
      port: 'public',
      path: '/sessions/not-a-uuid',
      headers: { 'x-session-token': s.tokens.a1! },
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400) }),
  },
  {
    name: 'DELETE /sessions/{id} without a session is 401',
    source:
      'session/handler.go deleteMySession: FetchFromRequest error → ErrUnauthorized.WithReasonf',
    request: () => ({ method: 'DELETE', port: 'public', path: `/sessions/${UNKNOWN}` }),
    expect: () => ({ status: 401, body: 'json', shape: plainError(401, true) }),
  },
  {
    name: 'admin GET session: identity null unless expanded',
    source:
      'session/handler.go getSession: GetSession(sID, no expandables) → AdminSession with identity null',
    request: (s) => ({ method: 'GET', port: 'admin', path: `/admin/sessions/${s.ids.session_a1}` }),
    expect: () => ({
      status: 200,
      body: 'json',
      shape: { keys: SESSION_KEYS, session: { keys: SESSION_KEYS, identity: null } },
    }),
  },
  {
    name: 'admin GET session ?expand=identity: the identity',
    source: 'session/handler.go getSession: ParseExpandable("identity")',
    request: (s) => ({
      method: 'GET',
      port: 'admin',
      path: `/admin/sessions/${s.ids.session_a1}?expand=identity`,
    }),
    expect: () => ({
      status: 200,
      body: 'json',
      shape: {
        keys: SESSION_KEYS,
        session: { keys: SESSION_KEYS, identity: { keys: IDENTITY_KEYS, credentials: null } },
      },
    }),
  },
  {
    name: 'admin GET unknown session is 404',
    source: 'session/handler.go getSession: SessionPersister().GetSession → sqlcon.ErrNoRows → 404',
    request: () => ({ method: 'GET', port: 'admin', path: `/admin/sessions/${UNKNOWN}` }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404) }),
  },
  {
    name: 'admin list sessions: Link relative with page_size and page_token',
    source:
      'session/handler.go adminListSessions: u := *r.URL; keysetpagination.Header(w, &u, nextPage)',
    request: () => ({ method: 'GET', port: 'admin', path: '/admin/sessions?page_size=1' }),
    expect: () => ({
      status: 200,
      body: 'json',
      link: [
        'first /admin/sessions?page_size&page_token',
        'next /admin/sessions?page_size&page_token',
      ],
      shape: { list: [SESSION_KEYS.join(',')] },
    }),
  },
  {
    name: 'sessions of an identity',
    source:
      'session/handler.go listIdentitySessions: AdminSessions(ListSessionsByIdentity(…, ExpandEverything))',
    request: (s) => ({
      method: 'GET',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}/sessions`,
    }),
    expect: () => ({
      status: 200,
      body: 'json',
      shape: { list: [SESSION_KEYS.join(','), SESSION_KEYS.join(',')] },
    }),
  },
  {
    name: 'sessions of an unknown identity: 200 []',
    source: 'session/handler.go listIdentitySessions: no identity lookup, the query finds no rows',
    request: () => ({
      method: 'GET',
      port: 'admin',
      path: `/admin/identities/${UNKNOWN}/sessions`,
    }),
    expect: () => ({ status: 200, body: 'json', shape: { list: [] } }),
  },
  {
    name: 'DELETE /sessions revokes my other sessions and counts them',
    source: 'session/handler.go deleteMySessions: WriteCode(200, deleteMySessionsCount{Count: n})',
    request: (s) => ({
      method: 'DELETE',
      port: 'public',
      path: '/sessions',
      headers: { 'x-session-token': s.tokens.a1! },
    }),
    expect: () => ({ status: 200, body: 'json', shape: { keys: ['count'] } }),
  },
  {
    name: 'DELETE /sessions without a session is 401',
    source: 'session/handler.go deleteMySessions: ErrUnauthorized.WithReasonf',
    request: () => ({ method: 'DELETE', port: 'public', path: '/sessions' }),
    expect: () => ({ status: 401, body: 'json', shape: plainError(401, true) }),
  },
  {
    name: 'admin delete all sessions of an identity: 204',
    source: 'session/handler.go deleteIdentitySessions: DeleteSessionsByIdentity → 204',
    request: (s) => ({
      method: 'DELETE',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}/sessions`,
    }),
    expect: () => ({ status: 204, body: 'empty' }),
  },
  {
    name: 'after the admin delete-all the identity has no sessions at all',
    source: 'persistence/sql DeleteSessionsByIdentity: DELETE FROM sessions (not a revocation)',
    request: (s) => ({
      method: 'GET',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}/sessions`,
    }),
    expect: () => ({ status: 200, body: 'json', shape: { list: [] } }),
  },
  {
    name: 'admin delete-all for an identity without sessions is 404',
    source: 'persistence/sql DeleteSessionsByIdentity: no row deleted → sqlcon.ErrNoRows → 404',
    request: (s) => ({
      method: 'DELETE',
      port: 'admin',
      path: `/admin/identities/${s.ids.a}/sessions`,
    }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404) }),
  },
  {
    name: 'admin DELETE session: 204',
    source: 'session/handler.go disableSession: RevokeSessionById → WriteCode(204)',
    request: (s) => ({
      method: 'DELETE',
      port: 'admin',
      path: `/admin/sessions/${s.ids.session_c}`,
    }),
    expect: () => ({ status: 204, body: 'empty' }),
  },
  // ── Flows and error pages: malformed ids and bodies ───────────────────────────────────────
  {
    name: 'submit with a malformed flow id is 400',
    source:
      'selfservice/flow/flow.go GetFlowID: x.ParseUUID → Nil → ErrBadRequest.WithReasonf("The flow query parameter is missing or malformed.")',
    request: () => ({
      method: 'POST',
      port: 'public',
      path: '/self-service/login?flow=1',
      headers: JSON_HEADERS,
      body: json({ method: 'password', identifier: 'x@example.org', password: 'x' }),
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400, true) }),
  },
  {
    name: 'submit without a flow id is 400',
    source: 'selfservice/flow/flow.go GetFlowID: an empty flow parameter parses to Nil',
    request: () => ({
      method: 'POST',
      port: 'public',
      path: '/self-service/registration',
      headers: JSON_HEADERS,
      body: json({ method: 'password' }),
    }),
    expect: () => ({ status: 400, body: 'json', shape: plainError(400, true) }),
  },
  {
    name: 'submit to an unknown flow is 404',
    source:
      'selfservice/flow/registration/handler.go updateRegistrationFlow: GetRegistrationFlow → sqlcon.ErrNoRows, forwarded as JSON',
    request: () => ({
      method: 'POST',
      port: 'public',
      path: `/self-service/registration?flow=${UNKNOWN}`,
      headers: JSON_HEADERS,
      body: json({ method: 'password' }),
    }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404) }),
  },
  {
    name: 'fetch a flow with a malformed id is 404',
    source:
      'selfservice/flow/login/handler.go getLoginFlow: GetLoginFlow(x.ParseUUID(id)) → not found',
    request: () => ({
      method: 'GET',
      port: 'public',
      path: '/self-service/login/flows?id=not-a-uuid',
      headers: { accept: 'application/json' },
    }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404) }),
  },
  {
    name: 'an unknown self-service error id is 404',
    source:
      'selfservice/errorx/handler.go getFlowError: ReadErrorContainer(x.ParseUUID(id)) → sqlcon.ErrNoRows',
    request: () => ({
      method: 'GET',
      port: 'public',
      path: `/self-service/errors?id=${UNKNOWN}`,
      headers: { accept: 'application/json' },
    }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404) }),
  },
  {
    name: 'create an identity with a 2 MiB body (Kratos reads it; the trait fails the schema)',
    source:
      'identity/handler.go create reads any size; the schema refuses the over-long email → 400. The embedded server refuses bodies over body_limit_bytes with 413 ON PURPOSE (docs/fidelity.md)',
    request: () => ({
      method: 'POST',
      port: 'admin',
      path: '/admin/identities',
      headers: JSON_HEADERS,
      body: json({
        schema_id: 'default',
        traits: { email: `${'x'.repeat(2 * 1024 * 1024)}@example.org` },
      }),
    }),
    expect: () => ({ status: 400, body: 'json' }),
  },
  // ── Routing (kratos x/router.go, x/redir) ─────────────────────────────────────────────────
  {
    name: 'unknown public route: plain-text 404',
    source: 'net/http NotFound via the router: "404 page not found", text/plain',
    request: () => ({
      method: 'GET',
      port: 'public',
      path: '/no/such/route',
      headers: { accept: 'application/json' },
    }),
    expect: () => ({ status: 404, body: 'text' }),
  },
  {
    name: 'unknown admin route: plain-text 404',
    source: 'net/http NotFound via the admin router',
    request: () => ({
      method: 'GET',
      port: 'admin',
      path: '/admin/no/such/route',
      headers: { accept: 'application/json' },
    }),
    expect: () => ({ status: 404, body: 'text' }),
  },
  {
    name: 'known route, wrong method: plain-text 405',
    source: 'router: method not allowed → "Method Not Allowed", text/plain',
    request: () => ({
      method: 'PUT',
      port: 'public',
      path: '/self-service/login/api',
      headers: { accept: 'application/json' },
    }),
    expect: () => ({ status: 405, body: 'text' }),
  },
  {
    name: 'admin route on the public port: 307 to the admin URL',
    source:
      'identity/handler.go RegisterPublicRoutes: public.GET(AdminPrefix+RouteCollection, RedirectToAdminRoute)',
    request: () => ({ method: 'GET', port: 'public', path: '/admin/identities' }),
    expect: () => ({ status: 307, body: 'text', location: `${ADMIN_ORIGIN}/admin/identities?` }),
  },
  {
    name: 'unprefixed admin route on the public port: 307 to the admin URL',
    source:
      'identity/handler.go RegisterPublicRoutes: public.GET(RouteCollection, RedirectToAdminRoute)',
    request: () => ({ method: 'GET', port: 'public', path: '/identities' }),
    expect: () => ({ status: 307, body: 'text', location: `${ADMIN_ORIGIN}/admin/identities?` }),
  },
  {
    name: 'identity sessions delete on the public port: 307 with the /admin prefix',
    source:
      'session/handler.go RegisterPublicRoutes: public.DELETE("/identities/{id}/sessions", RedirectToAdminRoute), which joins AdminPrefix',
    request: (s) => ({ method: 'DELETE', port: 'public', path: `/identities/${s.ids.b}/sessions` }),
    expect: () => ({
      status: 307,
      body: 'empty',
      location: `${ADMIN_ORIGIN}/admin/identities/{id}/sessions?`,
    }),
  },
  {
    name: 'public self-service route on the admin port: 307 to the public URL',
    source:
      'selfservice/flow/login/handler.go RegisterAdminRoutes: admin.GET(RouteInitAPIFlow, RedirectToPublicRoute)',
    request: () => ({ method: 'GET', port: 'admin', path: '/self-service/login/api' }),
    expect: () => ({
      status: 307,
      body: 'text',
      location: `${PUBLIC_ORIGIN}/self-service/login/api?`,
    }),
  },
  {
    name: 'DELETE /admin/sessions on the admin port: 307 to the public /sessions',
    source:
      'session/handler.go RegisterAdminRoutes: admin.DELETE(RouteCollection, RedirectToPublicRoute)',
    request: () => ({ method: 'DELETE', port: 'admin', path: '/admin/sessions' }),
    expect: () => ({ status: 307, body: 'empty', location: `${PUBLIC_ORIGIN}/sessions?` }),
  },
  {
    name: 'delete an identity: 204',
    source: 'identity/handler.go delete: DeleteIdentity → 204',
    request: (s) => ({ method: 'DELETE', port: 'admin', path: `/admin/identities/${s.ids.c}` }),
    expect: () => ({ status: 204, body: 'empty' }),
  },
  {
    name: 'delete it again: 404',
    source: 'identity/handler.go delete: DeleteIdentity of no row → sqlcon.ErrNoRows → 404',
    request: (s) => ({ method: 'DELETE', port: 'admin', path: `/admin/identities/${s.ids.c}` }),
    expect: () => ({ status: 404, body: 'json', shape: plainError(404) }),
  },
];

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compares only what the expectation names: objects key by key, anything else whole. */
function diffPartial(expected: unknown, actual: unknown, path: string): string[] {
  if (isPlainObject(expected) && isPlainObject(actual)) {
    return Object.keys(expected).flatMap((k) =>
      diffPartial(expected[k], actual[k], `${path}.${k}`),
    );
  }
  return diffShapes(expected, actual, path);
}

function linkShape(header: string | undefined): string[] | undefined {
  if (!header) return undefined;
  return header.split(/,(?=\s*<)/).map((entry) => {
    const match = /<([^>]*)>\s*;\s*rel="?([a-z]+)"?/.exec(entry.trim());
    if (!match) return `unparsable ${entry}`;
    const url = new URL(match[1]!, 'http://relative.invalid');
    const origin = url.origin === 'http://relative.invalid' ? '' : url.origin;
    const keys = [...new Set(url.searchParams.keys())].sort().join('&');
    return `${match[2]} ${origin}${url.pathname}?${keys}`;
  });
}

function bodyKind(answer: Answer): 'json' | 'text' | 'empty' {
  if (answer.body === null || answer.body === undefined || answer.body === '') return 'empty';
  return typeof answer.body === 'string' ? 'text' : 'json';
}

/** Logs in through the API flow and returns the session token (setup, not a measured step). */
async function apiLogin(server: IdentityServer, identifier: string, password: string) {
  const init = await server.publicHandler(
    new Request(`${PUBLIC_ORIGIN}/self-service/login/api`, {
      headers: { accept: 'application/json' },
    }),
  );
  const flow = (await init.json()) as { id: string };
  const submit = await server.publicHandler(
    new Request(`${PUBLIC_ORIGIN}/self-service/login?flow=${flow.id}`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: json({ method: 'password', identifier, password }),
    }),
  );
  const body = (await submit.json()) as { session_token?: string; session?: { id: string } };
  if (!body.session_token) throw new Error(`setup login failed: ${json(body)}`);
  return { token: body.session_token, id: body.session!.id };
}

async function readAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text === '' ? null : text;
  if (text !== '' && (response.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') headers[key] = value;
  });
  return { status: response.status, headers, setCookies: response.headers.getSetCookie(), body };
}

/** Runs every scripted step on a fresh embedded server; one result per step. */
export async function runScripted(server: IdentityServer): Promise<ScriptedResult[]> {
  const doc = loadKratosOpenAPI();
  const validator = doc ? createResponseValidator(doc) : undefined;
  const state: State = { ids: {}, tokens: {} };
  const results: ScriptedResult[] = [];
  for (const [index, step] of SCRIPTED_STEPS.entries()) {
    // Sessions exist before the first sessions step: two for identity a, one for identity c.
    if (step.name.startsWith('whoami with a session token')) {
      state.tokens.a1 = (
        await apiLogin(server, 'scripted-a@example.org', 'a long enough password 1')
      ).token;
      await apiLogin(server, 'scripted-a@example.org', 'a long enough password 1');
      const other = await createPasswordIdentity(server, 'scripted-d@example.org');
      state.ids.d = other;
      state.ids.session_c = (
        await apiLogin(server, 'scripted-d@example.org', 'a long enough password 1')
      ).id;
    }
    const spec = step.request(state);
    const origin = spec.port === 'admin' ? ADMIN_ORIGIN : PUBLIC_ORIGIN;
    const url = `${origin}${spec.path}`;
    const request = new Request(url, {
      method: spec.method,
      headers: spec.headers ?? {},
      ...(spec.body !== undefined ? { body: spec.body } : {}),
      redirect: 'manual',
    });
    const handler = spec.port === 'admin' ? server.adminHandler : server.publicHandler;
    const answer = await readAnswer(await handler(request));
    await server.context.courier.idle();
    const expected = step.expect(state);
    const shape = shapeOf(answer);
    const actual: Record<string, unknown> = {
      status: answer.status,
      body: bodyKind(answer),
      ...(expected.location !== undefined || answer.headers.location
        ? { location: shape.location }
        : {}),
      ...(expected.link !== undefined ? { link: linkShape(answer.headers.link) } : {}),
    };
    const wanted: Record<string, unknown> = {
      status: expected.status,
      body: expected.body,
      ...(expected.location !== undefined || answer.headers.location
        ? { location: expected.location }
        : {}),
      ...(expected.link !== undefined ? { link: expected.link } : {}),
    };
    const differences = diffShapes(wanted, actual);
    if (expected.shape && typeof shape.body === 'object' && shape.body !== null) {
      const body = shape.body as Record<string, unknown>;
      differences.push(...diffPartial(expected.shape, body, 'body'));
    }
    if (validator && bodyKind(answer) === 'json') {
      try {
        validator.assertValid(spec.method, url, answer.status, answer.body);
      } catch (err) {
        differences.push(`openapi: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
      }
    }
    try {
      step.learn?.(answer.body, state);
    } catch {
      differences.push('learn: the answer lacks what later steps need');
    }
    if (process.env.FIDELITY_DEBUG === 'scripted') console.log(index, step.name, differences);
    results.push({ name: `${index} ${step.name} [${step.source}]`, differences });
  }
  return results;
}

async function createPasswordIdentity(server: IdentityServer, email: string): Promise<string> {
  const response = await server.adminHandler(
    new Request(`${ADMIN_ORIGIN}/admin/identities`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: createBody(email, 'a long enough password 1'),
    }),
  );
  return ((await response.json()) as { id: string }).id;
}
