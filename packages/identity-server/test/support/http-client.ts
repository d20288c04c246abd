// A cookie-keeping HTTP client for tests: raw fetch semantics (`redirect: 'manual'`) over either a
// real socket or an in-process Web handler, with a tough-cookie jar like a browser's.
import { CookieJar } from 'tough-cookie';

export type FetchLike = (request: Request) => Promise<Response>;

export interface TestClient {
  jar: CookieJar;
  request(
    path: string,
    init?: RequestInit & { json?: unknown; form?: Record<string, string> },
  ): Promise<Response>;
  cookie(name: string): Promise<string | undefined>;
}

export function createClient(baseURL: string, send: FetchLike = (r) => fetch(r)): TestClient {
  const jar = new CookieJar();
  return {
    jar,
    async request(path, init = {}) {
      const url = new URL(path, baseURL).toString();
      const headers = new Headers(init.headers);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        if (!headers.has('accept')) headers.set('accept', 'application/json');
        body = JSON.stringify(init.json);
      } else if (init.form) {
        headers.set('content-type', 'application/x-www-form-urlencoded');
        body = new URLSearchParams(init.form).toString();
      }
      const cookies = await jar.getCookieString(url);
      if (cookies && !headers.has('cookie')) headers.set('cookie', cookies);
      const { json: _json, form: _form, ...rest } = init;
      const response = await send(
        new Request(url, { ...rest, headers, body: body ?? null, redirect: 'manual' }),
      );
      for (const setCookie of response.headers.getSetCookie()) {
        await jar.setCookie(setCookie, url, { ignoreError: true });
      }
      return response;
    },
    async cookie(name) {
      const all = await jar.getCookies(baseURL);
      return all.find((c) => c.key === name)?.value;
    },
  };
}
