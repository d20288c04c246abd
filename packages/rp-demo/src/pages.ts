// Server-rendered pages: every value goes through escape-html; no scripts (the CSP allows none).
import escapeHTML from 'escape-html';
import type { RPSession } from './sessions.ts';

export interface NotesView {
  status: number;
  notes?: { id: string; title: string }[];
  error?: string;
}

const e = (value: unknown) => escapeHTML(String(value));

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
.flash{background:#fff3cd;padding:.5rem}.buttons form{display:inline}</style>
</head><body><h1>Notes RP</h1>${body}</body></html>`;
}

export function homePage(session: RPSession | undefined, notes: NotesView | undefined): string {
  const flash = session?.flash ? `<p class="flash" role="status">${e(session.flash)}</p>` : '';
  const tokens = session?.tokens;
  if (!tokens) {
    return layout(
      'Notes RP',
      `${flash}<p>A relying party: it signs you in with the stack's OAuth2 server and reads your notes with the access token it gets.</p>
<p><a id="sign-in" href="/login">Sign in with Notes</a></p>
<p><a id="sign-in-silently" href="/login?prompt=none">Sign in silently (prompt=none)</a></p>`,
    );
  }
  const claims = Object.entries(tokens.claims)
    .map(([key, value]) => `<tr><th>${e(key)}</th><td>${e(JSON.stringify(value))}</td></tr>`)
    .join('');
  const csrf = e(session.csrf);
  return layout(
    'Notes RP',
    `${flash}<h2>Verified id_token claims</h2>
<table id="claims">${claims}</table>
<details><summary>The raw id_token (verified against the issuer's JWKS)</summary><code id="id-token">${e(tokens.idToken ?? '')}</code></details>
<h2>Tokens</h2>
<p id="token-info">scope: <code>${e(tokens.scope ?? '')}</code>${
      tokens.expiresAt
        ? `; access token expires ${e(new Date(tokens.expiresAt * 1000).toISOString())}`
        : ''
    }${session.revoked ? '; <strong>access token revoked</strong>' : ''}</p>
<h2>Your notes (GET /api/notes with the access token)</h2>
${notesSection(notes)}
<div class="buttons">
<form method="post" action="/refresh"><input type="hidden" name="csrf" value="${csrf}"><button id="refresh">Refresh tokens</button></form>
<form method="post" action="/revoke"><input type="hidden" name="csrf" value="${csrf}"><button id="revoke">Revoke access token</button></form>
<a id="sign-out" href="/logout?csrf=${csrf}">Sign out everywhere</a>
</div>`,
  );
}

function notesSection(notes: NotesView | undefined): string {
  if (!notes) return '<p id="notes-status">not called</p>';
  if (notes.error !== undefined) {
    if (notes.status === 0) return `<p id="notes-status">${e(notes.error)}</p>`;
    return `<p id="notes-status">API answered ${e(notes.status)}: ${e(notes.error)}</p>`;
  }
  const items = (notes.notes ?? []).map((n) => `<li>${e(n.title)}</li>`).join('');
  return `<p id="notes-status">API answered ${e(notes.status)}</p><ul id="notes">${items}</ul>`;
}

export function loggedOutPage(): string {
  return layout(
    'Signed out',
    `<p id="signed-out">You are signed out of the Notes RP and of the identity provider.</p><p><a href="/">Back</a></p>`,
  );
}

export function errorPage(message: string): string {
  return layout(
    'Error',
    `<p class="flash" role="alert">${e(message)}</p><p><a href="/">Back</a></p>`,
  );
}
