// The dev mailbox page (`/dev/mailbox`, mounted by the edge in dev mode only). It reads Kratos's admin
// API — GET /admin/courier/messages[/{id}] — so it works with the embedded identity server and with a
// real Kratos started with --dev alike. Returns null for paths it does not own.
import { callOutbound, type FetchLike } from '../lib/outbound.ts';
import { errorResponse, prefersHTML } from '../lib/error-body.ts';
import { KratosUnavailable, type ErrorCode } from '../lib/errors.ts';
import { requestIdFrom } from '../lib/request-id.ts';
import { isLoopbackName } from '../lib/loopback.ts';
import { page, renderList, renderMessage, type MailboxMessage } from './render.ts';

export interface DevMailboxOptions {
  /** Kratos admin base URL, e.g. http://127.0.0.1:4434. Never exposed to the browser. */
  kratosAdminURL: string;
  fetch?: FetchLike;
  /** Where the page lives on the edge. Default /dev/mailbox. */
  prefix?: string;
  timeoutMs?: number;
  /** How many messages the list shows (newest first). Default 100. */
  limit?: number;
  /**
   * Hosts (`host[:port]`) the page answers on besides loopback names (localhost, 127.0.0.1, [::1]):
   * the edge's public host. Any other Host is refused, because a DNS-rebinding page (a name the
   * attacker points at 127.0.0.1) would otherwise be same-origin with it and read every code.
   */
  allowedHosts?: readonly string[];
}

/** `context.requestId`: the edge's id for this request, shown on refusals (else one is read or minted). */
export type DevMailboxHandler = (
  request: Request,
  context?: { requestId?: string },
) => Promise<Response | null>;

/** Refusals in the one error body shape; the edge's request id when it sent one. */
function refuse(
  request: Request,
  requestId: string,
  answer: { status: number; code: ErrorCode; message: string },
): Response {
  return errorResponse({ ...answer, requestId }, prefersHTML(request.headers.get('accept')));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function htmlResponse(body: string, status = 200): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      // Codes are secrets: never cache, never frame, no scripts, no referrer leaking a link.
      'cache-control': 'no-store',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
  });
}

export function createDevMailbox(options: DevMailboxOptions): DevMailboxHandler {
  let admin: URL;
  try {
    admin = new URL(options.kratosAdminURL);
  } catch {
    throw new TypeError('createDevMailbox: kratosAdminURL must be an absolute URL');
  }
  const prefix = (options.prefix ?? '/dev/mailbox').replace(/\/+$/, '');
  if (!prefix.startsWith('/')) throw new TypeError('createDevMailbox: prefix must start with "/"');
  const limit = options.limit ?? 100;
  const allowedHosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));

  async function adminGet(path: string): Promise<Response> {
    const url = new URL(path, admin);
    return callOutbound(
      url,
      { method: 'GET', headers: { accept: 'application/json' } },
      {
        timeoutMs: options.timeoutMs ?? 5_000,
        service: 'Kratos admin API',
        ...(options.fetch ? { fetch: options.fetch } : {}),
      },
    );
  }

  async function list(url: URL): Promise<Response> {
    const recipient = url.searchParams.get('recipient') ?? '';
    const query = new URLSearchParams({ page_size: String(limit) });
    if (recipient) query.set('recipient', recipient);
    const res = await adminGet(`/admin/courier/messages?${query}`);
    if (!res.ok) throw new KratosUnavailable(`Kratos admin API answered ${res.status}`);
    const messages = (await res.json()) as MailboxMessage[];
    if (!Array.isArray(messages)) throw new KratosUnavailable('Kratos admin API: not a list');
    messages.sort((a, b) => b.created_at.localeCompare(a.created_at));
    return htmlResponse(renderList(prefix, messages, recipient || undefined));
  }

  async function show(id: string): Promise<Response> {
    if (!UUID.test(id)) return htmlResponse(page('Not found', '<h1>No such message</h1>'), 404);
    const res = await adminGet(`/admin/courier/messages/${id}`);
    if (res.status === 404 || res.status === 400) {
      return htmlResponse(page('Not found', '<h1>No such message</h1>'), 404);
    }
    if (!res.ok) throw new KratosUnavailable(`Kratos admin API answered ${res.status}`);
    return htmlResponse(renderMessage(prefix, (await res.json()) as MailboxMessage));
  }

  return async (request, context = {}) => {
    const url = new URL(request.url);
    const requestId = context.requestId ?? requestIdFrom(request.headers);
    if (url.pathname !== prefix && !url.pathname.startsWith(prefix + '/')) return null;
    if (!isLoopbackName(url.hostname) && !allowedHosts.has(url.host.toLowerCase())) {
      return refuse(request, requestId, {
        status: 421,
        code: 'MISDIRECTED_REQUEST',
        message: 'The dev mailbox answers on its own host only.',
      });
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const refused = refuse(request, requestId, {
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
        message: 'Use GET.',
      });
      refused.headers.set('allow', 'GET, HEAD');
      return refused;
    }
    const rest = url.pathname.slice(prefix.length).replace(/^\/+|\/+$/g, '');
    try {
      return rest === '' ? await list(url) : await show(rest);
    } catch (err) {
      if (!(err instanceof KratosUnavailable) && !(err instanceof SyntaxError)) throw err;
      // The identity server is down or answered garbage: say so without internals.
      return htmlResponse(
        page(
          'Dev mailbox',
          '<h1>Dev mailbox</h1><p>The identity server is not reachable right now.</p>',
        ),
        502,
      );
    }
  };
}
