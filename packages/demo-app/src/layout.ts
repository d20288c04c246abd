// The page frame: navigation that knows who is signed in, and links to the edge's self-service pages.
// The app never talks to Kratos: login/registration/settings/logout are the edge's pages (same origin).
import { html, SafeHTML } from './html.ts';

export interface Viewer {
  id: string;
  email: string;
  role: string;
}

const STYLE = `
:root{--accent:#4f46e5;--muted:#6b7280;--border:#e5e7eb}
*{box-sizing:border-box}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#fff;border-bottom:1px solid var(--border)}
nav{max-width:48rem;margin:0 auto;padding:.75rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
nav .brand{font-weight:700;color:#111827;text-decoration:none;margin-right:auto}
nav a{color:var(--accent);text-decoration:none}
nav a:hover{text-decoration:underline}
main{max-width:48rem;margin:2rem auto;padding:0 1rem}
main a{color:var(--accent)}
.card{background:#fff;border:1px solid var(--border);border-radius:.5rem;padding:1.25rem;margin-bottom:1rem}
.muted{color:var(--muted)}
.badge{display:inline-block;font-size:.75rem;padding:.1rem .5rem;border-radius:999px;background:#eef2ff;color:var(--accent)}
form.inline{display:inline}
input[type=text],textarea{width:100%;padding:.5rem;border:1px solid var(--border);border-radius:.375rem;font:inherit}
textarea{min-height:5rem}
button{font:inherit;padding:.45rem .9rem;border-radius:.375rem;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}
ul.notes{list-style:none;padding:0;margin:0}
ul.notes li{border-top:1px solid var(--border);padding:.75rem 0}
ul.notes li:first-child{border-top:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{color:var(--muted)}
table{border-collapse:collapse}
th,td{padding:.3rem 1.25rem .3rem 0;text-align:left}
`;

export function layout(options: { title: string; viewer: Viewer | null; body: SafeHTML }): string {
  const { title, viewer, body } = options;
  const nav = viewer
    ? html`<a href="/account">Account</a>
        ${viewer.role === 'admin' ? html`<a href="/admin">Admin</a>` : ''}
        <a href="/settings">Settings</a>
        <span class="muted" data-testid="nav-email">${viewer.email}</span>
        <a href="/logout" data-testid="logout">Log out</a>`
    : html`<a href="/login" data-testid="login">Log in</a>
        <a href="/registration" data-testid="register">Sign up</a>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · Notes</title>
        <style>
          ${new SafeHTML(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <nav><a class="brand" href="/">Notes</a>${nav}</nav>
        </header>
        <main>${body}</main>
      </body>
    </html>`.value;
}
