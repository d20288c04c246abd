// "Sign in with Notes": the relying party demo's Node server. No framework: a handful of routes on
// node:http, pages rendered on the server, sessions in memory (sessions.ts), the protocol through
// openid-client (oidc.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  AuthorizationResponseError,
  createRelyingParty,
  ResponseBodyError,
  type RelyingParty,
} from './oidc.ts';
import { errorPage, homePage, loggedOutPage, type NotesView } from './pages.ts';
import { clearedSessionCookie, createSessions, sessionCookie, type RPSession } from './sessions.ts';

export const DEFAULT_RP_SCOPE = 'openid offline_access email profile notes.read';

export interface RPDemoOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** This app's own URL (its redirect URIs); default `http://<host>:<port>`. */
  publicURL?: string;
  /** The OAuth2 server's public URL (its issuer). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The notes API behind the edge, e.g. `http://127.0.0.1:4000/api/notes`. */
  notesAPI: string;
  scope?: string;
  /** Reports unexpected failures (the page shows a generic error). */
  onError?: (err: unknown) => void;
}

export interface RunningRPDemo {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The redirect URIs an RP at `publicURL` registers. */
export function rpRedirectURIs(publicURL: string) {
  const base = publicURL.replace(/\/+$/, '');
  return { redirectURI: `${base}/callback`, postLogoutRedirectURI: `${base}/logged-out` };
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // Sign-in and sign-out are links, not forms: form-action would also apply to their redirects
  // to the OAuth2 server and the login app.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface Context {
  rp: RelyingParty;
  sessions: ReturnType<typeof createSessions>;
  secure: boolean;
  redirectURI: string;
  options: RPDemoOptions;
}

export async function startRPDemo(options: RPDemoOptions): Promise<RunningRPDemo> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = (options.publicURL ?? `http://${options.host}:${port}`).replace(/\/+$/, '');
  const uris = rpRedirectURIs(url);
  const ctx: Context = {
    rp: createRelyingParty({
      issuer: options.issuer,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      scope: options.scope ?? DEFAULT_RP_SCOPE,
      ...uris,
    }),
    redirectURI: uris.redirectURI,
    sessions: createSessions(),
    secure: url.startsWith('https://'),
    options,
  };
  server.on('request', (req, res) => {
    route(ctx, req, res).catch((err: unknown) => {
      options.onError?.(err);
      if (!res.headersSent) send(res, 500, errorPage('Something went wrong; try again.'));
      else res.end();
    });
  });
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://rp.invalid');
  const key = `${req.method} ${url.pathname}`;
  switch (key) {
    case 'GET /':
      return home(ctx, req, res);
    case 'GET /login':
      return login(ctx, req, res, url.searchParams.get('prompt') === 'none' ? 'none' : undefined);
    case 'GET /callback':
      return callback(ctx, req, res, url);
    case 'POST /refresh':
      return withSignedIn(ctx, req, res, await formCSRF(req), async (session) => {
        session.tokens = await ctx.rp.refresh(session.tokens!);
        session.revoked = false;
        session.flash = 'Tokens refreshed.';
      });
    case 'POST /revoke':
      return withSignedIn(ctx, req, res, await formCSRF(req), async (session) => {
        await ctx.rp.revoke(session.tokens!.accessToken, 'access_token');
        session.revoked = true;
        session.flash = 'Access token revoked.';
      });
    case 'GET /logout':
      return logout(ctx, req, res, url.searchParams.get('csrf'));
    case 'GET /logged-out':
      return send(res, 200, loggedOutPage());
    default:
      return send(res, 404, errorPage('Not found.'));
  }
}

async function home(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const session = ctx.sessions.find(req);
  const notes = session?.tokens ? await readNotes(ctx, session.tokens.accessToken) : undefined;
  const page = homePage(session, notes);
  if (session) delete session.flash;
  send(res, 200, page);
}

async function readNotes(ctx: Context, accessToken: string): Promise<NotesView> {
  let response: Response;
  try {
    response = await ctx.rp.callAPI(ctx.options.notesAPI, accessToken);
  } catch (err) {
    // The page still shows the sign-in; the API being down is one line on it, not a 500.
    if (!(err instanceof TypeError)) throw err;
    return { status: 0, error: `the notes API is unreachable (${err.message})` };
  }
  const text = await response.text();
  if (!response.ok) {
    const challenge = response.headers.get('www-authenticate');
    return { status: response.status, error: challenge ?? text.slice(0, 200) };
  }
  const body = JSON.parse(text) as { notes?: { id: string; title: string }[] };
  return { status: response.status, notes: body.notes ?? [] };
}

async function login(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  prompt: string | undefined,
): Promise<void> {
  const session = ctx.sessions.find(req) ?? ctx.sessions.create();
  const { url, pending } = await ctx.rp.authorizationURL(prompt);
  session.pending = pending;
  redirect(res, url.href, sessionCookie(session, ctx.secure));
}

async function callback(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const session = ctx.sessions.find(req);
  const pending = session?.pending;
  if (!session || !pending) {
    return send(res, 400, errorPage('No sign-in is in progress in this browser.'));
  }
  delete session.pending;
  // The exchange sends the redirect_uri the sign-in used: this app's, whatever Host it was reached by.
  const current = new URL(`${ctx.redirectURI}${url.search}`);
  try {
    const tokens = await ctx.rp.callback(current, pending);
    const signedIn = ctx.sessions.rotate(session);
    Object.assign(signedIn, { tokens, revoked: false, flash: 'Signed in.' });
    redirect(res, '/', sessionCookie(signedIn, ctx.secure));
  } catch (err) {
    session.flash = `Sign-in failed: ${signInFailure(err)}`;
    redirect(res, '/');
  }
}

/** What the page says about a failed callback; anything but a protocol answer is rethrown. */
function signInFailure(err: unknown): string {
  if (err instanceof AuthorizationResponseError || err instanceof ResponseBodyError) {
    // The server's answer (login_required, access_denied, invalid_grant…), as it came.
    return `${err.error}${err.error_description ? ` (${err.error_description})` : ''}`;
  }
  // openid-client's own checks (state, iss, id_token signature, nonce…): never signed in.
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('OAUTH_')) {
    return `the response did not verify (${(err as Error).message})`;
  }
  throw err;
}

async function logout(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  csrf: string | null,
): Promise<void> {
  const session = ctx.sessions.find(req);
  if (!session?.tokens || csrf !== session.csrf) {
    return send(res, 403, errorPage('This sign-out link is not valid for this browser.'));
  }
  const target = await ctx.rp.endSessionURL(
    session.tokens.idToken,
    randomBytes(16).toString('base64url'),
  );
  ctx.sessions.delete(session);
  redirect(res, target.href, clearedSessionCookie(ctx.secure));
}

/** Runs `action` for a signed-in session whose form carried its CSRF token, then back home. */
async function withSignedIn(
  ctx: Context,
  req: IncomingMessage,
  res: ServerResponse,
  csrf: string | undefined,
  action: (session: RPSession) => Promise<void>,
): Promise<void> {
  const session = ctx.sessions.find(req);
  if (!session?.tokens || csrf !== session.csrf) {
    return send(res, 403, errorPage('This form is not valid for this browser; reload the page.'));
  }
  try {
    await action(session);
  } catch (err) {
    if (!(err instanceof ResponseBodyError)) throw err;
    session.flash = `The server refused: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`;
  }
  redirect(res, '/');
}

async function formCSRF(req: IncomingMessage): Promise<string | undefined> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 4096) return undefined;
  }
  return new URLSearchParams(body).get('csrf') ?? undefined;
}

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.writeHead(303, {
    location,
    'cache-control': 'no-store',
    ...(cookie ? { 'set-cookie': cookie } : {}),
  });
  res.end();
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, PAGE_HEADERS).end(body);
}
