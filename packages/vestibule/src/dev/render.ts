// HTML for the dev mailbox. Every value comes from mail content (attacker-influenced: a recipient or
// a trait can hold markup), so everything is escaped; only http(s) URLs become links, and 6-digit
// codes are highlighted so a person can copy them at a glance.
import { escapeHTML } from '../lib/html.ts';

export interface MailboxMessage {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  status: string;
  template_type: string;
  created_at: string;
  send_count?: number;
}

/** Kratos without --dev replaces bodies with this marker (ory/kratos courier/handler.go). */
export const REDACTED_BODY = '<redacted-unless-dev-mode>';
const URL_OR_CODE = /(https?:\/\/[^\s<>"'`]+)|\b(\d{6})\b/g;

/** The body as HTML: escaped text, clickable http(s) links, highlighted codes. */
export function renderBody(body: string): string {
  let out = '';
  let last = 0;
  for (const match of body.matchAll(URL_OR_CODE)) {
    out += escapeHTML(body.slice(last, match.index));
    const [text, url, code] = match;
    if (url) {
      out += `<a href="${escapeHTML(url)}" rel="noreferrer">${escapeHTML(url)}</a>`;
    } else if (code) {
      out += `<mark class="code" data-code="${code}">${code}</mark>`;
    }
    last = match.index + text.length;
  }
  return out + escapeHTML(body.slice(last));
}

/** The first 6-digit code in a body, if any (shown in the list so a person need not open the mail). */
export function codeIn(body: string): string | undefined {
  return /\b(\d{6})\b/.exec(body)?.[1];
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1f}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #ddd}
mark.code{font:bold 1.4rem ui-monospace,monospace;letter-spacing:.2rem;background:#fff3b0;padding:0 .3rem}
pre{white-space:pre-wrap;background:#f6f6f8;padding:1rem;border-radius:.4rem}.muted{color:#666}`;

export function page(title: string, content: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHTML(title)}</title><style>${STYLE}</style></head><body>${content}</body></html>`;
}

export function renderList(prefix: string, messages: MailboxMessage[], recipient?: string): string {
  const rows = messages.map((m) => {
    const code = codeIn(m.body);
    return `<tr><td><a href="${escapeHTML(`${prefix}/${encodeURIComponent(m.id)}`)}">${escapeHTML(m.subject)}</a></td><td>${escapeHTML(m.recipient)}</td><td>${code ? `<mark class="code" data-code="${code}">${code}</mark>` : ''}</td><td>${escapeHTML(m.status)}</td><td class="muted">${escapeHTML(m.created_at)}</td></tr>`;
  });
  const filter = recipient
    ? `<p>Showing mail to <strong>${escapeHTML(recipient)}</strong> · <a href="${escapeHTML(prefix)}">show all</a></p>`
    : '';
  const table = rows.length
    ? `<table><thead><tr><th>Subject</th><th>To</th><th>Code</th><th>Status</th><th>Queued</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '<p class="muted">No mail yet. Start a recovery or verification flow and reload this page.</p>';
  return page(
    'Dev mailbox',
    `<h1>Dev mailbox</h1><p class="muted">Every email the identity server sent, newest first. Development mode only.</p>${filter}${table}`,
  );
}

export function renderMessage(prefix: string, m: MailboxMessage): string {
  const body =
    m.body === REDACTED_BODY
      ? '<p class="muted">The identity server redacts message bodies. Run Kratos with <code>--dev</code> (the embedded server in dev mode shows them).</p>'
      : `<pre>${renderBody(m.body)}</pre>`;
  return page(
    m.subject,
    `<p><a href="${escapeHTML(prefix)}">← all mail</a></p><h1>${escapeHTML(m.subject)}</h1><p>To <strong>${escapeHTML(m.recipient)}</strong> · ${escapeHTML(m.status)} · <span class="muted">${escapeHTML(m.template_type)} · ${escapeHTML(m.created_at)}</span></p>${body}`,
  );
}
