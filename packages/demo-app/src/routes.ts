// The notes demo's routes on Node's http, through the app library's Node adapter (nodeAuth):
// getUser / requireUser / requireRole. Behind the edge, identity is the signed x-user-* headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { User } from 'vestibule';
import type { NodeAuth } from 'vestibule/adapters/node';
import { html, type SafeHTML } from './html.ts';
import { layout, type Viewer } from './layout.ts';
import { NoteInputError, type NotesRepository } from './notes.ts';
import { accountPage, adminPage, homePage, type ProfileView } from './pages.ts';

export interface Profiles {
  /** JIT provisioning (ensureUser): upsert on first sight, role synced; app code reads its role. */
  ensure(user: User): Promise<ProfileView>;
  list(): Promise<ProfileView[]>;
}

export interface DemoDeps {
  auth: NodeAuth;
  notes: NotesRepository;
  profiles: Profiles;
  /** The origin browsers use (the edge); state-changing requests from elsewhere are refused. */
  publicURL: string;
}

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  deps: DemoDeps;
  params: string[];
  url: URL;
}

const MAX_BODY = 64 * 1024;
type Handler = (call: Call) => Promise<void>;

const routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [
  { method: 'GET', pattern: /^\/$/, handler: home },
  { method: 'GET', pattern: /^\/account$/, handler: account },
  { method: 'GET', pattern: /^\/admin$/, handler: admin },
  { method: 'GET', pattern: /^\/api\/whoami$/, handler: whoami },
  { method: 'POST', pattern: /^\/notes$/, handler: createNoteForm },
  { method: 'POST', pattern: /^\/notes\/([^/]+)\/delete$/, handler: deleteNoteForm },
  { method: 'GET', pattern: /^\/api\/notes$/, handler: listNotesAPI },
  { method: 'POST', pattern: /^\/api\/notes$/, handler: createNoteAPI },
  { method: 'GET', pattern: /^\/api\/notes\/([^/]+)$/, handler: getNoteAPI },
  { method: 'PUT', pattern: /^\/api\/notes\/([^/]+)$/, handler: updateNoteAPI },
  { method: 'DELETE', pattern: /^\/api\/notes\/([^/]+)$/, handler: deleteNoteAPI },
];

export function createDemoHandler(
  deps: DemoDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const candidates = routes.filter((r) => r.pattern.test(url.pathname));
    if (candidates.length === 0) return notFound(req, res);
    const route = candidates.find((r) => r.method === method);
    if (!route) {
      return json(res, { error: 'method not allowed' }, 405, {
        allow: candidates.map((r) => r.method).join(', '),
      });
    }
    if (method !== 'GET' && !isSameOrigin(req, deps.publicURL)) {
      return json(res, { error: 'cross-origin request refused' }, 403);
    }
    let params: string[];
    try {
      params = url.pathname.match(route.pattern)!.slice(1).map(decodeURIComponent);
    } catch {
      return json(res, { error: 'bad path' }, 400);
    }
    await route.handler({ req, res, deps, params, url });
  };
}

async function home({ req, res, deps }: Call): Promise<void> {
  const user = await deps.auth.getUser(req);
  page(res, 'Home', viewerOf(user), homePage(user));
}

async function account({ req, res, deps, url }: Call): Promise<void> {
  const user = await deps.auth.requireUser(req, res);
  if (!user) return;
  const profile = await deps.profiles.ensure(user);
  const notes = await deps.notes.list(user.id);
  const error = url.searchParams.get('error');
  page(res, 'Account', viewerOf(user, profile), accountPage({ profile, notes, error }));
}

async function admin({ req, res, deps }: Call): Promise<void> {
  const user = await deps.auth.requireRole(req, res, 'admin');
  if (!user) return;
  const profile = await deps.profiles.ensure(user);
  page(res, 'Admin', viewerOf(user, profile), adminPage(await deps.profiles.list()));
}

async function whoami({ req, res, deps }: Call): Promise<void> {
  const user = await deps.auth.getUser(req);
  json(res, { user: user ? { id: user.id, email: user.email, role: user.role } : null });
}

async function createNoteForm({ req, res, deps }: Call): Promise<void> {
  const user = await deps.auth.requireUser(req, res);
  if (!user) return;
  try {
    const form = new URLSearchParams(await readBody(req));
    await deps.notes.create(user.id, { title: form.get('title'), body: form.get('body') ?? '' });
  } catch (err) {
    if (err instanceof NoteInputError)
      return redirect(res, `/account?error=${encodeURIComponent(err.message)}`);
    throw err;
  }
  redirect(res, '/account');
}

async function deleteNoteForm({ req, res, deps, params: [id] }: Call): Promise<void> {
  const user = await deps.auth.requireUser(req, res);
  if (!user) return;
  await deps.notes.remove(user.id, id!);
  redirect(res, '/account');
}

async function listNotesAPI({ req, res, deps }: Call): Promise<void> {
  const user = await deps.auth.requireUser(req, res);
  if (!user) return;
  json(res, { notes: await deps.notes.list(user.id) });
}

async function createNoteAPI({ req, res, deps }: Call): Promise<void> {
  const user = await deps.auth.requireUser(req, res);
  if (!user) return;
  await withInput(req, res, async (input) =>
    json(res, { note: await deps.notes.create(user.id, input) }, 201),
  );
}

async function getNoteAPI({ req, res, deps, params: [id] }: Call): Promise<void> {
  const user = await deps.auth.requireUser(req, res);
  if (!user) return;
  const note = await deps.notes.get(user.id, id!);
  if (note) json(res, { note });
  else json(res, { error: 'note not found' }, 404);
}

async function updateNoteAPI({ req, res, deps, params: [id] }: Call): Promise<void> {
  const user = await deps.auth.requireUser(req, res);
  if (!user) return;
  await withInput(req, res, async (input) => {
    const note = await deps.notes.update(user.id, id!, input);
    if (note) json(res, { note });
    else json(res, { error: 'note not found' }, 404);
  });
}

async function deleteNoteAPI({ req, res, deps, params: [id] }: Call): Promise<void> {
  const user = await deps.auth.requireUser(req, res);
  if (!user) return;
  if (await deps.notes.remove(user.id, id!)) res.writeHead(204).end();
  else json(res, { error: 'note not found' }, 404);
}

/** JSON body → handler; bad JSON or invalid fields are a 400 with the reason, not a 500. */
async function withInput(
  req: IncomingMessage,
  res: ServerResponse,
  run: (input: { title?: unknown; body?: unknown }) => Promise<void>,
): Promise<void> {
  let input: unknown;
  try {
    input = JSON.parse(await readBody(req));
  } catch (err) {
    const message =
      err instanceof NoteInputError
        ? err.message
        : 'expected a JSON body like {"title": "…", "body": "…"}';
    return json(res, { error: message }, 400);
  }
  if (typeof input !== 'object' || input === null)
    return json(res, { error: 'expected a JSON object' }, 400);
  try {
    await run(input as { title?: unknown; body?: unknown });
  } catch (err) {
    if (err instanceof NoteInputError) return json(res, { error: err.message }, 400);
    throw err;
  }
}

/**
 * Browsers send Sec-Fetch-Site / Origin on state-changing requests; a cross-site one is refused
 * (defence in depth on top of the SameSite=Lax session cookie, which the edge turns into identity).
 */
function isSameOrigin(req: IncomingMessage, publicURL: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  return !origin || origin === new URL(publicURL).origin;
}

async function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY)
    throw new NoteInputError('The request is too large.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new NoteInputError('The request is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function viewerOf(user: User | null, profile?: ProfileView): Viewer | null {
  return user
    ? { id: user.id, email: user.email ?? '(no email)', role: profile?.role ?? user.role }
    : null;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
};

function page(
  res: ServerResponse,
  title: string,
  viewer: Viewer | null,
  body: SafeHTML,
  status = 200,
): void {
  res.writeHead(status, PAGE_HEADERS).end(layout({ title, viewer, body }));
}

function notFound(req: IncomingMessage, res: ServerResponse): void {
  if ((req.headers.accept ?? '').includes('text/html')) {
    return page(
      res,
      'Not found',
      null,
      html`<div class="card">
        <h1>Not found</h1>
        <p><a href="/">Back to the notes</a></p>
      </div>`,
      404,
    );
  }
  json(res, { error: 'not found' }, 404);
}

function json(
  res: ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    })
    .end(JSON.stringify(body));
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location }).end();
}
