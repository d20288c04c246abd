// The demo's pages. Everything user-supplied (email, note text, error text) goes through the
// auto-escaping `html` template.
import type { User } from 'vestibule';
import { html, type SafeHTML } from './html.ts';
import type { Note } from './notes.ts';

/** What the pages show of a `profiles` row (created by ensureUser()). */
export interface ProfileView {
  id: string;
  email: string | null;
  role: string;
  created_at: Date;
}

export function homePage(user: User | null): SafeHTML {
  if (!user) {
    return html`<div class="card">
      <h1 data-testid="greeting">Welcome to Notes</h1>
      <p>
        A tiny notes app behind the Vestibule edge. Anyone can read this page; your notes need an
        account.
      </p>
      <p><a href="/registration">Create an account</a> or <a href="/login">log in</a>.</p>
    </div>`;
  }
  return html`<div class="card">
    <h1 data-testid="greeting">Hello, ${user.email ?? 'there'}!</h1>
    <p>
      You are signed
      in${user.role === 'admin' ? html` as an <span class="badge">admin</span>` : ''}. Your notes
      are on your <a href="/account">account page</a>.
    </p>
  </div>`;
}

export function accountPage(input: {
  profile: ProfileView;
  notes: Note[];
  error: string | null;
}): SafeHTML {
  const { profile, notes, error } = input;
  return html`<div class="card">
      <h1>Your account</h1>
      <dl>
        <dt>Email</dt>
        <dd data-testid="account-email">${profile.email ?? '—'}</dd>
        <dt>Role</dt>
        <dd data-testid="account-role"><span class="badge">${profile.role}</span></dd>
        <dt>User id</dt>
        <dd><code>${profile.id}</code></dd>
        <dt>Member since</dt>
        <dd>${new Date(profile.created_at).toUTCString()}</dd>
      </dl>
      <p><a href="/settings">Change your password or email</a></p>
    </div>
    <div class="card">
      <h2>Your notes</h2>
      ${error ? html`<p role="alert" class="muted">${error}</p>` : ''}
      <form method="post" action="/notes">
        <p>
          <label>Title<br /><input type="text" name="title" required maxlength="200" /></label>
        </p>
        <p>
          <label>Note<br /><textarea name="body" maxlength="10000"></textarea></label>
        </p>
        <p><button type="submit">Add note</button></p>
      </form>
      ${
        notes.length === 0
          ? html`<p class="muted" data-testid="no-notes">No notes yet.</p>`
          : html`<ul class="notes" data-testid="notes">
              ${notes.map(
                (n) =>
                  html`<li>
                    <strong>${n.title}</strong>
                    <form class="inline" method="post" action="/notes/${n.id}/delete">
                      <button class="secondary" type="submit">Delete</button>
                    </form>
                    <div>${n.body}</div>
                  </li>`,
              )}
            </ul>`
      }
    </div>`;
}

export function adminPage(profiles: ProfileView[]): SafeHTML {
  return html`<div class="card">
    <h1 data-testid="admin-title">Admin</h1>
    <p>Everyone who has signed in (profiles created by <code>ensureUser()</code>):</p>
    <table>
      <thead>
        <tr>
          <th align="left">Email</th>
          <th align="left">Role</th>
          <th align="left">Since</th>
        </tr>
      </thead>
      <tbody>
        ${profiles.map(
          (p) =>
            html`<tr>
              <td>${p.email ?? '—'}</td>
              <td>${p.role}</td>
              <td>${p.created_at.toISOString().slice(0, 10)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
