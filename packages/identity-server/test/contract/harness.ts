// The Kratos under test for the contract suite. By default the embedded server is started on two
// free ports; set KRATOS_PUBLIC_URL and KRATOS_ADMIN_URL to run the same suite against any Kratos
// (its config must match expectedSetup below). Every response the suite sees — through
// @ory/client-fetch or raw fetch — is validated against Kratos's OpenAPI document.
import { after, before } from 'node:test';
import { Configuration, FrontendApi, IdentityApi } from '@ory/client-fetch';
import { CookieJar } from 'tough-cookie';
import { defaultConfig, type ConfigOverrides } from '../../src/config/index.ts';
import type { ServerContext } from '../../src/driver/context.ts';
import { createIdentityServer, type IdentityServer } from '../../src/server.ts';
import { createFakeClock, type FakeClock } from '../support/fake-clock.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import { freePort } from '../server/support.ts';
import {
  createResponseValidator,
  loadKratosOpenAPI,
  type ResponseValidator,
} from '../support/openapi.ts';

export const external = !!(process.env.KRATOS_PUBLIC_URL && process.env.KRATOS_ADMIN_URL);

export interface Target {
  publicURL: string;
  adminURL: string;
  /** What the suite expects of the server's config (an external Kratos must be set up the same). */
  uiBase: string;
  identityApi: IdentityApi;
  validator: ResponseValidator | undefined;
  /** Only for the embedded server: the fake clock and the server itself. */
  embedded?: { server: IdentityServer; clock: FakeClock };
  close(): Promise<void>;
}

export const UI_BASE = 'http://localhost:4000';

/** Only errors reach the test output (a 500 in the suite should show its cause). */
const quietLog: ServerContext['log'] = (level, msg, fields) => {
  if (level === 'error') console.error(msg, fields);
};

/** Kratos-format config for the embedded server: the dev defaults on two free ports, fast bcrypt. */
export async function embeddedOverrides(extra: ConfigOverrides = {}): Promise<ConfigOverrides> {
  const [pub, adm] = [await freePort(), await freePort()];
  return {
    serve: {
      public: { base_url: `http://127.0.0.1:${pub}/`, host: '127.0.0.1', port: pub },
      admin: { base_url: `http://127.0.0.1:${adm}/`, host: '127.0.0.1', port: adm },
    },
    hashers: { bcrypt: { cost: 4 } },
    ...extra,
  };
}

/** A fetch that validates every response against the spec before handing it on. */
export function validatingFetch(validator: ResponseValidator | undefined): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request, { redirect: 'manual' });
    if (validator) {
      const text = await response.clone().text();
      const type = response.headers.get('content-type') ?? '';
      const body =
        text === '' ? undefined : type.includes('json') ? (JSON.parse(text) as unknown) : text;
      validator.assertValid(request.method, request.url, response.status, body);
    }
    return response;
  };
}

/**
 * The preamble every contract file shares: one target for the whole file, started before its
 * tests and closed after them. Returns a getter, since the target exists only once `before` ran.
 */
export function fileTarget<T extends { close(): Promise<void> }>(
  start: () => Promise<T>,
  options: { skip?: boolean; setup?: (target: T) => Promise<unknown> } = {},
): () => T {
  let started: T | undefined;
  // Setup runs in the same hook, so it always sees the started target.
  before(async () => {
    if (options.skip) return;
    started = await start();
    await options.setup?.(started);
  });
  after(() => started?.close());
  return () => {
    if (!started) throw new Error('the contract target is not started (or skipped)');
    return started;
  };
}

export async function startTarget(extra: ConfigOverrides = {}): Promise<Target> {
  const doc = loadKratosOpenAPI();
  const validator = doc ? createResponseValidator(doc) : undefined;
  const adminConfig = (adminURL: string) =>
    new Configuration({ basePath: adminURL, fetchApi: validatingFetch(validator) });
  if (external) {
    const publicURL = process.env.KRATOS_PUBLIC_URL!.replace(/\/+$/, '');
    const adminURL = process.env.KRATOS_ADMIN_URL!.replace(/\/+$/, '');
    return {
      publicURL,
      adminURL,
      uiBase: process.env.KRATOS_UI_BASE ?? UI_BASE,
      identityApi: new IdentityApi(adminConfig(adminURL)),
      validator,
      close: async () => {},
    };
  }
  const clock = createFakeClock(new Date());
  const overrides = await embeddedOverrides(extra);
  // CONTRACT_MEMORY=1 swaps PGlite for the in-memory persister while iterating on the HTTP layer.
  const server = process.env.CONTRACT_MEMORY
    ? await createIdentityServer({ context: await createMemoryContext(overrides), clock })
    : await createIdentityServer({ config: defaultConfig(overrides), clock, log: quietLog });
  const context = server.context;
  const listening = await server.listen();
  const publicURL = context.config.serve.public.base_url.replace(/\/+$/, '');
  const adminURL = context.config.serve.admin.base_url.replace(/\/+$/, '');
  return {
    publicURL,
    adminURL,
    uiBase: UI_BASE,
    identityApi: new IdentityApi(adminConfig(adminURL)),
    validator,
    embedded: { server, clock },
    close: async () => {
      await listening.close();
      await server.close();
    },
  };
}

export interface Browser {
  jar: CookieJar;
  /** The SDK as a browser SPA uses it: JSON, cookies kept in the jar. */
  frontend: FrontendApi;
  /** Raw fetch with `redirect: 'manual'` and the jar. */
  fetch(
    path: string,
    init?: RequestInit & { form?: Record<string, string>; json?: unknown },
  ): Promise<Response>;
  cookie(name: string): Promise<string | undefined>;
}

/** A browser: one cookie jar shared by the SDK and raw requests. */
export function newBrowser(target: Target): Browser {
  const jar = new CookieJar();
  const check = validatingFetch(target.validator);
  const jarFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    const cookies = await jar.getCookieString(request.url);
    if (cookies && !headers.has('cookie')) headers.set('cookie', cookies);
    const response = await check(new Request(request, { headers }));
    for (const setCookie of response.headers.getSetCookie()) {
      await jar.setCookie(setCookie, request.url, { ignoreError: true });
    }
    return response;
  };
  return {
    jar,
    frontend: new FrontendApi(
      new Configuration({
        basePath: target.publicURL,
        fetchApi: jarFetch,
        headers: { Accept: 'application/json' },
      }),
    ),
    async fetch(path, init = {}) {
      const { form, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      let body = rest.body;
      if (json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(json);
      } else if (form) {
        headers.set('content-type', 'application/x-www-form-urlencoded');
        body = new URLSearchParams(form).toString();
      }
      return jarFetch(new URL(path, target.publicURL), { ...rest, headers, body: body ?? null });
    },
    async cookie(name) {
      return (await jar.getCookies(target.publicURL)).find((c) => c.key === name)?.value;
    },
  };
}

/** A native app: the SDK without cookies (session tokens only). */
export function newNativeClient(target: Target): FrontendApi {
  return new FrontendApi(
    new Configuration({ basePath: target.publicURL, fetchApi: validatingFetch(target.validator) }),
  );
}
