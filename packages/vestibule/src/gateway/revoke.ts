// Revocation webhook: `POST /.vestibule/revoke` with `Authorization: Bearer <secret>` and a JSON
// body `{ "identity_id"?, "session_id"?, "session_token"?, "access_token"? }` evicts matching
// cached sessions (and a revoked Hydra access token) at once.
// Kratos itself does not call webhooks on revocation: call this from whatever revokes sessions
// (an admin tool, a hook on DELETE /admin/sessions, an identity deactivation job).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from '../lib/error-body.ts';
import type { ErrorCode } from '../lib/errors.ts';
import { requestIdFrom } from '../lib/request-id.ts';
import { nodeHeaderReader } from '../session/credential.ts';

export interface RevocationRequest {
  identityId?: string;
  sessionId?: string;
  sessionToken?: string;
  /** A Hydra access token revoked at Hydra (opaque or JWT): every edge stops accepting it. */
  accessToken?: string;
  /** A JWT access token named by its `jti` (what a server storing only ids can report). */
  accessTokenJti?: string;
}

const MAX_BODY = 4096;

export function createRevocationHandler(
  config: { path: string; secret: string },
  revoke: (request: RevocationRequest) => Promise<number>,
) {
  const expected = digest(config.secret);
  return {
    path: config.path,
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const requestId = requestIdFrom(nodeHeaderReader(req.headers));
      const refuse = (status: number, code: ErrorCode, message: string) => {
        // A webhook caller is an API client: always JSON.
        const { headers, body } = errorBody({ status, code, message, requestId }, false);
        res.writeHead(status, headers);
        res.end(body);
      };
      if (req.method !== 'POST') return refuse(405, 'METHOD_NOT_ALLOWED', 'Use POST.');
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      // Compare digests: constant time, and no length leak.
      if (!timingSafeEqual(digest(given), expected)) {
        req.resume();
        return refuse(401, 'UNAUTHENTICATED', 'Unauthorized.');
      }
      const body = await readBody(req);
      const request = body === undefined ? undefined : parseRevocation(body);
      if (!request) {
        const message =
          'Expected JSON with identity_id, session_id, session_token, access_token or access_token_jti.';
        return refuse(400, 'BAD_REQUEST', message);
      }
      const evicted = await revoke(request); // announced to the other edges before we answer
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ evicted }));
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseRevocation(text: string): RevocationRequest | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const { identity_id, session_id, session_token, access_token, access_token_jti } = body as Record<
    string,
    unknown
  >;
  const request: RevocationRequest = {};
  if (typeof identity_id === 'string' && identity_id) request.identityId = identity_id;
  if (typeof session_id === 'string' && session_id) request.sessionId = session_id;
  if (typeof session_token === 'string' && session_token) request.sessionToken = session_token;
  if (typeof access_token === 'string' && access_token) request.accessToken = access_token;
  if (typeof access_token_jti === 'string' && access_token_jti)
    request.accessTokenJti = access_token_jti;
  return Object.keys(request).length ? request : undefined;
}
