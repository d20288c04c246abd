// The unlock and audit endpoint, behind a Bearer secret like the revocation webhook; what
// `vestibule lockout` and `vestibule audit` call on a running edge (PGlite is single-process: the
// CLI cannot open the store while the edge holds it).
//   GET  {path}/lockouts                       → { lockouts: [{ scope, key, failures, locked_until }] }
//   POST {path}/lockouts/clear {"identifier"}  → { cleared: true|false }
//   GET  {path}/audit?identity=&identifier=&since=&after=&limit= → { events: [...] }
import { createHash, timingSafeEqual } from 'node:crypto';
import { errorResponse } from '../lib/error-body.ts';
import type { ErrorCode } from '../lib/errors.ts';
import type { LockoutAdmin } from './lockouts.ts';

const MAX_BODY = 4096;

export interface AdminEndpoint {
  matches(pathname: string): boolean;
  handle(request: Request, context: { requestId: string }): Promise<Response>;
}

export function createProtectionAdmin(
  config: { path: string; secret: string },
  admin: LockoutAdmin,
): AdminEndpoint {
  const expected = digest(config.secret);
  const base = config.path;
  return {
    matches: (pathname) => pathname === base || pathname.startsWith(base + '/'),
    async handle(request, { requestId }) {
      const refuse = (status: number, code: ErrorCode, message: string) =>
        errorResponse({ status, code, message, requestId }, false);
      const given = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
      // Digests compared: constant time, and no length leak.
      if (!timingSafeEqual(digest(given), expected)) {
        return refuse(401, 'UNAUTHENTICATED', 'Unauthorized.');
      }
      const url = new URL(request.url);
      const route = `${request.method.toUpperCase()} ${url.pathname.slice(base.length)}`;
      switch (route) {
        case 'GET /lockouts':
          return json({ lockouts: await admin.list() });
        case 'POST /lockouts/clear': {
          const identifier = await identifierOf(request);
          if (!identifier) return refuse(400, 'BAD_REQUEST', 'Expected JSON with an identifier.');
          return json({ cleared: await admin.clear(identifier, requestId) });
        }
        case 'GET /audit': {
          const query = auditQueryOf(url.searchParams);
          if (!query) return refuse(400, 'BAD_REQUEST', 'Bad audit query.');
          return json({ events: await admin.audit(query) });
        }
        default:
          return refuse(404, 'NOT_FOUND', 'The requested resource could not be found.');
      }
    },
  };
}

function json(value: unknown): Response {
  return new Response(JSON.stringify(value), {
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

async function identifierOf(request: Request): Promise<string | undefined> {
  const text = await request.text().catch(() => '');
  if (text.length > MAX_BODY) return undefined;
  try {
    const body = JSON.parse(text) as { identifier?: unknown };
    return typeof body.identifier === 'string' && body.identifier.trim()
      ? body.identifier
      : undefined;
  } catch {
    return undefined;
  }
}

function auditQueryOf(params: URLSearchParams) {
  const since = params.get('since');
  const sinceDate = since === null ? undefined : new Date(since);
  if (sinceDate && Number.isNaN(sinceDate.getTime())) return undefined;
  const after = params.get('after');
  if (after !== null && !/^\d{1,19}$/.test(after)) return undefined;
  const limit = Number(params.get('limit') ?? '1000');
  if (!Number.isInteger(limit) || limit < 1) return undefined;
  return {
    ...(params.get('identity') ? { identityId: params.get('identity')! } : {}),
    ...(params.get('identifier') ? { identifier: params.get('identifier')! } : {}),
    ...(sinceDate ? { since: sinceDate } : {}),
    ...(after ? { afterId: after } : {}),
    limit: Math.min(limit, 10_000),
  };
}
