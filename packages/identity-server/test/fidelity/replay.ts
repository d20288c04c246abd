// Replays a recorded Kratos transcript (../shared/ory/kratos/transcripts/) against the embedded
// server, step by step. Values a real Kratos made up (flow and identity ids, CSRF tokens, session
// tokens, codes) are learned from each pair of answers — what Kratos answered and what the embedded
// server answered at the same place — and substituted into the later requests, so a flow recorded
// against Kratos runs on the embedded server as the same conversation.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, SHIPPED_CONFIG_PATH } from '../../src/config/index.ts';
import { createIdentityServer, type IdentityServer } from '../../src/server.ts';
import { createFakeClock } from '../support/fake-clock.ts';
import { diffShapes, shapeOf, type Answer } from './shape.ts';

export const TRANSCRIPTS_DIR = new URL(
  '../../../../../shared/ory/kratos/transcripts/',
  import.meta.url,
);

export interface RecordedExchange {
  request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    cookies: string[];
    body: string | null;
  };
  response: {
    status: number;
    headers: Record<string, string>;
    set_cookie: string[];
    body: unknown;
  };
}

export interface StepResult {
  file: string;
  step: number;
  method: string;
  url: string;
  differences: string[];
}

export const PUBLIC_ORIGIN = 'http://127.0.0.1:4433';
export const ADMIN_ORIGIN = 'http://127.0.0.1:4434';

export function transcriptFiles(): string[] {
  return readdirSync(TRANSCRIPTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function loadTranscript(file: string): RecordedExchange[] {
  return JSON.parse(
    readFileSync(join(TRANSCRIPTS_DIR.pathname, file), 'utf8'),
  ) as RecordedExchange[];
}

/** The embedded server as the transcripts' Kratos ran: the shipped kratos.yml, the same URLs, --dev. */
export async function startAsRecorded(): Promise<IdentityServer> {
  const { config } = await loadConfig(SHIPPED_CONFIG_PATH, {
    env: {
      SERVE_PUBLIC_BASE_URL: `${PUBLIC_ORIGIN}/`,
      SERVE_ADMIN_BASE_URL: `${ADMIN_ORIGIN}/`,
      HASHERS_BCRYPT_COST: '4',
    },
  });
  return createIdentityServer({
    config,
    dev: true,
    clock: createFakeClock(new Date('2026-12-07T05:18:18.000Z')),
    log: () => {},
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const TOKEN = /[A-Za-z0-9][A-Za-z0-9_-]{5,}/g;

/**
 * Made up by the server (ids, tokens, CSRF values, codes) rather than a word of the protocol
 * ("recovery", "sent_email"): those are never substituted.
 */
const looksRandom = (value: string) =>
  (/\d/.test(value) && value.length >= 6) || (value.length >= 24 && !/\s/.test(value));

/** Recorded value → the embedded server's value at the same place. */
class Substitutions {
  readonly map = new Map<string, string>();

  learnString(recorded: string, actual: string): void {
    if (recorded === actual || recorded.length < 6) return;
    if (looksRandom(recorded) && looksRandom(actual)) this.map.set(recorded, actual);
    // One-time codes in mail texts that are worded differently: pair the 6-digit numbers.
    const codesA = recorded.match(/\b\d{6}\b/g) ?? [];
    const codesB = actual.match(/\b\d{6}\b/g) ?? [];
    if (codesA.length === codesB.length) {
      codesA.forEach((code, i) => {
        if (code !== codesB[i]) this.map.set(code, codesB[i]!);
      });
    }
    const a = recorded.match(TOKEN) ?? [];
    const b = actual.match(TOKEN) ?? [];
    if (a.length !== b.length) return;
    a.forEach((token, i) => {
      if (token !== b[i] && looksRandom(token) && looksRandom(b[i]!)) this.map.set(token, b[i]!);
    });
  }

  learn(recorded: unknown, actual: unknown, key = ''): void {
    if (typeof recorded === 'string' && typeof actual === 'string') {
      if (!key.endsWith('_at')) this.learnString(recorded, actual);
    } else if (Array.isArray(recorded) && Array.isArray(actual)) {
      if (key === 'nodes') {
        // ui.nodes: the same node is the one with the same name and group, wherever it stands.
        const id = (n: unknown) =>
          isObject(n) && isObject(n.attributes)
            ? `${String(n.group)}/${String(n.attributes.name)}`
            : '';
        for (const node of recorded) {
          const twin = actual.find((n) => id(n) === id(node));
          if (twin) this.learn(node, twin);
        }
      } else {
        recorded.forEach((item, i) => this.learn(item, actual[i], key));
      }
    } else if (isObject(recorded) && isObject(actual)) {
      for (const [k, v] of Object.entries(recorded)) this.learn(v, actual[k], k);
    }
  }

  learnLocation(recorded: string | undefined, actual: string | undefined): void {
    if (!recorded || !actual) return;
    const a = new URL(recorded);
    const b = new URL(actual, a);
    for (const [key, value] of a.searchParams) {
      const other = b.searchParams.get(key);
      if (other !== null) this.learnString(value, other);
    }
  }

  apply(text: string): string {
    let out = text;
    const entries = [...this.map].sort((x, y) => y[0].length - x[0].length);
    for (const [recorded, actual] of entries) out = out.split(recorded).join(actual);
    return out;
  }

  applyDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.apply(value);
    if (Array.isArray(value)) return value.map((v) => this.applyDeep(v));
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.applyDeep(v)]));
    }
    return value;
  }

  applyURL(raw: string): string {
    const url = new URL(raw);
    url.pathname = url.pathname
      .split('/')
      .map((segment) => this.apply(segment))
      .join('/');
    const params = new URLSearchParams();
    for (const [k, v] of url.searchParams) params.append(k, this.apply(v));
    url.search = params.toString();
    return url.toString();
  }

  applyBody(body: string | null, contentType: string | undefined): string | null {
    if (body === null) return null;
    if (contentType?.includes('application/x-www-form-urlencoded')) {
      const params = new URLSearchParams();
      for (const [k, v] of new URLSearchParams(body)) params.append(k, this.apply(v));
      return params.toString();
    }
    if (contentType?.includes('json')) {
      try {
        return JSON.stringify(this.applyDeep(JSON.parse(body)));
      } catch {
        // Deliberately malformed JSON is sent as recorded.
      }
    }
    return this.apply(body);
  }
}

async function readAnswer(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text === '' ? null : text;
  if (text !== '' && (response.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') headers[key] = value;
  });
  return { status: response.status, headers, setCookies: response.headers.getSetCookie(), body };
}

/** The CSRF cookie's name hashes the public URL as that Kratos printed it: cookies go by kind. */
const cookieClass = (name: string) => (name.startsWith('csrf_token_') ? 'csrf_token' : name);

/** Replays one transcript on a fresh embedded server; one result per recorded exchange. */
export async function replayTranscript(file: string): Promise<StepResult[]> {
  const exchanges = loadTranscript(file);
  const server = await startAsRecorded();
  const substitutions = new Substitutions();
  const jar = new Map<string, { name: string; value: string }>();
  const results: StepResult[] = [];
  try {
    for (const [step, { request, response }] of exchanges.entries()) {
      // Mail a request queues after its answer (timing, issue 13) is stored before the next
      // request, as a client that reads its mailbox afterwards would find it.
      await server.context.courier.idle();
      const url = substitutions.applyURL(request.url);
      const headers = new Headers();
      for (const [k, v] of Object.entries(request.headers)) headers.set(k, substitutions.apply(v));
      // The same cookies by name as the recorded client sent, with the values this server set.
      const cookies = request.cookies.flatMap((recorded) => {
        const name = cookieClass(recorded);
        return jar.has(name) ? [`${jar.get(name)!.name}=${jar.get(name)!.value}`] : [];
      });
      if (cookies.length) headers.set('cookie', cookies.join('; '));
      const body = substitutions.applyBody(request.body, request.headers['content-type']);
      const sent = new Request(url, { method: request.method, headers, body, redirect: 'manual' });
      const handler = url.startsWith(ADMIN_ORIGIN) ? server.adminHandler : server.publicHandler;
      const actual = await readAnswer(await handler(sent));
      // A request sent without cookies by a client that has some is either a probe from a
      // separate, cookieless client at a flow that exists (a fetch or submit by id: what it is
      // answered with does not reach the flow's jar), or a new client starting something (an
      // init, the error page): the jar starts over with what that client is given.
      let probe = false;
      if (request.cookies.length === 0 && jar.size > 0 && url.startsWith(PUBLIC_ORIGIN)) {
        probe = /\/flows\?id=|\/self-service\/[a-z]+\?flow=/.test(request.url);
        if (!probe) jar.clear();
      }
      for (const setCookie of probe ? [] : actual.setCookies) {
        const pair = setCookie.split(';')[0]!;
        const name = pair.slice(0, pair.indexOf('='));
        if (/max-age=0\b|max-age=-/i.test(setCookie)) jar.delete(cookieClass(name));
        else jar.set(cookieClass(name), { name, value: pair.slice(pair.indexOf('=') + 1) });
      }
      const expected: Answer = {
        status: response.status,
        headers: response.headers,
        setCookies: response.set_cookie,
        body: response.body,
      };
      if (process.env.FIDELITY_DEBUG === `${file}#${step}`) {
        console.log(JSON.stringify({ sent: { url, cookies, body }, actual }, null, 1));
      }
      substitutions.learn(expected.body, actual.body);
      substitutions.learnLocation(expected.headers.location, actual.headers.location);
      results.push({
        file,
        step,
        method: request.method,
        url: request.url,
        differences: diffShapes(shapeOf(expected), shapeOf(actual)),
      });
    }
  } finally {
    await server.close();
  }
  return results;
}
