// The pages on a real edge listener, in front of the same-origin proxy and the embedded identity
// server (whose base_url is an in-cluster name the browser cannot resolve), plus a browser-like client.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { CookieJar } from 'tough-cookie';
import { request } from 'undici';
import { createIdentityServer, defaultConfig } from '@vestibule/identity-server';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { createOryProxy } from '../../src/proxy/index.ts';
import { createSelfServicePages } from '../../src/pages/index.ts';
import { scanTags } from './pages-fixtures.ts';

export interface Stack {
  edgeURL: string;
  kratosAdminURL: string;
  newBrowser(): Browser;
  close(): Promise<void>;
}

export async function startPagesStack(
  kratosOverrides: Record<string, unknown> = {},
): Promise<Stack> {
  let route: (request: Request) => Promise<Response> = async () =>
    new Response('starting', { status: 503 });
  const edgeServer = createAdaptorServer({ fetch: (request: Request) => route(request) }) as Server;
  await new Promise<void>((resolve) => edgeServer.listen(0, '127.0.0.1', resolve));
  const edgeURL = `http://127.0.0.1:${(edgeServer.address() as AddressInfo).port}`;
  const ui = (flow: string) => ({ ui_url: `${edgeURL}/${flow}` });
  const identity = await createIdentityServer({
    config: defaultConfig(
      mergeDeep(
        {
          serve: {
            // Kratos describes itself by its in-cluster name: the browser must never see it.
            public: { base_url: 'http://ory-kratos:4433/', host: '127.0.0.1', port: 0 },
            admin: { base_url: 'http://ory-kratos:4434/', host: '127.0.0.1', port: 0 },
          },
          selfservice: {
            default_browser_return_url: `${edgeURL}/`,
            allowed_return_urls: [`${edgeURL}/`],
            flows: {
              login: ui('login'),
              registration: ui('registration'),
              recovery: ui('recovery'),
              verification: ui('verification'),
              settings: ui('settings'),
              logout: { after: { default_browser_return_url: `${edgeURL}/login` } },
              error: ui('error'),
            },
          },
          hashers: { bcrypt: { cost: 4 } },
        },
        kratosOverrides,
      ),
    ),
    dev: true,
    log: () => {},
  });
  const kratos = await identity.listen();
  const logger = createMemoryLogger();
  const proxy = createOryProxy({
    kratosPublicURL: kratos.publicURL,
    publicOrigin: edgeURL,
    logger,
  });
  const pages = createSelfServicePages({
    kratosPublicURL: kratos.publicURL,
    publicOrigin: edgeURL,
    logger,
  });
  route = async (request) => {
    if (new URL(request.url).pathname.startsWith('/api/ory/')) return proxy(request);
    return (await pages(request)) ?? new Response('app', { status: 200 });
  };
  return {
    edgeURL,
    kratosAdminURL: kratos.adminURL,
    newBrowser: () => newBrowser(edgeURL),
    close: async () => {
      await proxy.close();
      edgeServer.closeAllConnections();
      await new Promise<void>((resolve) => edgeServer.close(() => resolve()));
      await kratos.close();
      await identity.close();
    },
  };
}

/** Overrides merge key by key (a login hook must not drop the UI URLs); lists are replaced. */
function mergeDeep(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? mergeDeep(current, value) : value;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type Browser = ReturnType<typeof newBrowser>;

/** A browser: cookie jar, manual redirects, absolute or edge-relative URLs. */
function newBrowser(edgeURL: string) {
  const jar = new CookieJar();
  async function go(path: string, init: RequestInit & { form?: Record<string, string> } = {}) {
    const url = new URL(path, edgeURL).href;
    const headers = new Headers(init.headers);
    const cookie = await jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    headers.set('accept', 'text/html');
    // What a browser says about a navigation the user made on this site (links, forms, redirects).
    if (!headers.has('sec-fetch-site')) {
      headers.set('sec-fetch-site', 'same-origin');
      headers.set('sec-fetch-mode', 'navigate');
      headers.set('sec-fetch-dest', 'document');
    }
    let body = init.body;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    // undici's request, not fetch: fetch always sends `Sec-Fetch-Mode: cors`, which no browser
    // navigation does, and the pages read it (logout ends the session only on a real navigation).
    const raw = await request(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers: Object.fromEntries(headers),
      body: body as string | undefined,
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(raw.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v !== undefined) responseHeaders.append(name, v);
      }
    }
    const bytes = Buffer.from(await raw.body.arrayBuffer());
    const response = new Response([204, 304].includes(raw.statusCode) ? null : bytes, {
      status: raw.statusCode,
      headers: responseHeaders,
    });
    for (const c of response.headers.getSetCookie()) await jar.setCookie(c, url);
    return response;
  }
  /** Follows 303s like a browser until a page with a body. */
  async function open(path: string) {
    let response = await go(path);
    const hops: string[] = [path];
    while (response.status === 303 || response.status === 302) {
      const next = response.headers.get('location')!;
      hops.push(next);
      assert.ok(hops.length < 10, `redirect loop: ${hops.join(' → ')}`);
      response = await go(next);
    }
    return { response, hops, url: new URL(hops.at(-1)!, edgeURL) };
  }
  return { jar, go, open };
}

/** The form's action and hidden fields, as a browser would submit them. */
export function formOf(html: string, group = 'flow') {
  const tags = scanTags(html);
  const form = tags.find((t) => t.name === 'form' && t.attrs.get('data-group') === group);
  assert.ok(form, `form ${group}`);
  // Settings has one form per group: stop at the next form.
  const end = tags.find((t) => t.name === 'form' && t.at > form.at)?.at ?? Infinity;
  const fields: Record<string, string> = {};
  for (const t of tags) {
    if (t.at > form.at && t.at < end && t.name === 'input' && t.attrs.get('type') === 'hidden')
      fields[t.attrs.get('name')!] = t.attrs.get('value') ?? '';
  }
  return { action: form.attrs.get('action')!, fields };
}

/**
 * The newest 6-digit code mailed to `email` for one purpose (the admin courier API reveals bodies in
 * dev mode): mails are sent in the background, so a registration's verification mail can be queued
 * after a later recovery or sign-in mail — "newest" alone can read the wrong one.
 */
export async function mailedCode(
  kratosAdminURL: string,
  email: string,
  which: {
    /** The courier template (`recovery_code_valid`, `verification_code_valid`). */
    template: string;
    /** Only the mail for this flow (its link names it; recovery code mails carry no link). */
    flowId?: string;
  },
): Promise<string> {
  // Queued after the response that caused it (as Kratos's courier): wait for it to appear.
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(
      `${kratosAdminURL}/admin/courier/messages?recipient=${encodeURIComponent(email)}`,
    );
    assert.equal(res.status, 200);
    const messages = (
      (await res.json()) as Array<{ body: string; created_at: string; template_type: string }>
    ).filter(
      (m) =>
        m.template_type === which.template &&
        (which.flowId === undefined || m.body.includes(`flow=${which.flowId}`)),
    );
    const newest = messages.sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
    const code = /\b(\d{6})\b/.exec(newest?.body ?? '')?.[1];
    if (code) return code;
    assert.ok(attempt < 200, `a ${which.template} code was mailed to ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
