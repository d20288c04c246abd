// GET /admin/courier/messages and /admin/courier/messages/{id} (Kratos operationIds
// listCourierMessages, getCourierMessage; ory/kratos courier/handler.go). Keyset pagination with
// `page_size` (1..1000, default 250) and `page_token`, the next page announced in a `Link` header.
// Kratos replaces bodies with "<redacted-unless-dev-mode>" unless it runs with --dev; the dev
// mailbox needs the bodies, so the embedded server reveals them only when told it is in dev mode.
import type { CourierMessage, CourierPersister } from '../persistence/types.ts';
import { badRequest, json, notFound, type Router } from '../http/index.ts';
import { isUUID } from '../http/url.ts';

const STATUSES = new Set<CourierMessage['status']>(['queued', 'sent', 'processing', 'abandoned']);
export const REDACTED_BODY = '<redacted-unless-dev-mode>';

export interface AdminCourierOptions {
  /** Kratos's --dev: show message bodies (codes, links). Off by default, as in Kratos. */
  dev?: boolean;
}

/** The message as Kratos's `message` schema has it on the wire. */
export function messageToWire(
  message: CourierMessage,
  options: AdminCourierOptions & { withDispatches?: boolean } = {},
) {
  // Kratos loads a message's dispatches only for GET /admin/courier/messages/{id}; the list has
  // none, and the field is `omitempty` (shared/ory/kratos/transcripts/recovery-code.json).
  const dispatches = options.withDispatches ? message.dispatches : [];
  return {
    id: message.id,
    type: message.type,
    status: message.status,
    recipient: message.recipient,
    subject: message.subject,
    body: options.dev ? message.body : REDACTED_BODY,
    template_type: message.template_type,
    channel: message.type === 'email' ? 'email' : 'sms',
    send_count: message.send_count,
    ...(dispatches.length
      ? {
          dispatches: dispatches.map((d) => ({
            id: d.id,
            message_id: message.id,
            status: d.status,
            ...(d.error ? { error: d.error } : {}),
            created_at: d.created_at,
            updated_at: d.created_at,
          })),
        }
      : {}),
    created_at: message.created_at,
    updated_at: message.updated_at,
  };
}

function parsePageSize(raw: string | null): number {
  if (raw === null || raw === '') return 250;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > 1000) {
    throw badRequest('The page_size parameter must be an integer between 1 and 1000.');
  }
  return size;
}

export function registerAdminCourierRoutes(
  router: Router,
  ctx: { persister: CourierPersister },
  options: AdminCourierOptions = {},
): void {
  router.on('GET', '/admin/courier/messages', async ({ url }) => {
    const status = url.searchParams.get('status');
    if (status !== null && !STATUSES.has(status as CourierMessage['status'])) {
      throw badRequest(`Message status "${status}" is not valid.`);
    }
    const pageSize = parsePageSize(url.searchParams.get('page_size'));
    const pageToken = url.searchParams.get('page_token') || undefined;
    const recipient = url.searchParams.get('recipient') || undefined;
    const page = await ctx.persister.listMessages({
      page_size: pageSize,
      ...(pageToken ? { page_token: pageToken } : {}),
      ...(status ? { status: status as CourierMessage['status'] } : {}),
      ...(recipient ? { recipient } : {}),
    });
    const headers = new Headers();
    const first = new URL(url.pathname, 'http://link.invalid');
    url.searchParams.forEach((v, k) => k !== 'page_token' && first.searchParams.set(k, v));
    const links = [`<${first.pathname}${first.search}>; rel="first"`];
    if (page.next_page_token) {
      first.searchParams.set('page_token', page.next_page_token);
      links.push(`<${first.pathname}${first.search}>; rel="next"`);
    }
    headers.set('link', links.join(','));
    return json(
      page.items.map((m) => messageToWire(m, options)),
      200,
      headers,
    );
  });

  router.on('GET', '/admin/courier/messages/:id', async ({ params }) => {
    const id = params.id ?? '';
    if (!isUUID(id)) throw badRequest(`could not parse parameter {id} as UUID, got ${id}`);
    const message = await ctx.persister.getMessage(id.toLowerCase());
    if (!message) throw notFound();
    return json(messageToWire(message, { ...options, withDispatches: true }));
  });
}
