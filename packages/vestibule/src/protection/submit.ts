// Which requests the pipeline protects, and the few fields it needs from their bodies. The body is
// read whole (bounded by the proxy's own limit) and forwarded as the same bytes: a login form is a
// few hundred bytes, and the identifier must be known before Kratos sees the password.
import { normalisePath, rawPathOf } from '../proxy/path.ts';

export type SubmitFlow = 'login' | 'registration' | 'recovery' | 'verification' | 'settings';
const FLOWS: ReadonlySet<string> = new Set([
  'login',
  'registration',
  'recovery',
  'verification',
  'settings',
]);

export interface Submit {
  flow: SubmitFlow;
  /** `?flow=` (browser and SPA submits carry it; Kratos refuses a submit without one). */
  flowId: string | undefined;
  /** Browser form post (answered with redirects), or SPA/API (answered with JSON). */
  wantsJSON: boolean;
}

/** A submit of a self-service flow under the proxy prefix, or undefined. */
export function submitOf(request: Request, prefix: string): Submit | undefined {
  if (request.method.toUpperCase() !== 'POST') return undefined;
  // The proxy's own normaliser: every spelling it forwards as a submit (`%2F`, `/./`) is seen here.
  const segments = normalisePath(rawPathOf(request.url));
  if (!segments) return undefined;
  const path = '/' + segments.join('/');
  if (!path.startsWith(prefix + '/')) return undefined;
  const rest = path.slice(prefix.length + 1).split('/');
  if (rest.length !== 2 || rest[0] !== 'self-service' || !FLOWS.has(rest[1]!)) return undefined;
  const flowId = new URL(request.url).searchParams.get('flow') ?? undefined;
  return {
    flow: rest[1] as SubmitFlow,
    flowId: flowId?.slice(0, 128),
    wantsJSON: wantsJSON(request.headers),
  };
}

/**
 * Whether a request through the proxy is self-service traffic (a flow started, read or submitted
 * under `<prefix>/self-service/`) — what warms the embedded store. A whoami, a logout's token check
 * or a schema read is not: an app calling whoami on every page never needs the store's ~80 MB.
 */
export function isSelfService(request: Request, prefix: string): boolean {
  const segments = normalisePath(rawPathOf(request.url));
  return !!segments && ('/' + segments.join('/')).startsWith(`${prefix}/self-service/`);
}

/** Kratos answers JSON when the client asks for it or sends JSON (x.AcceptsJSON, API flows). */
function wantsJSON(headers: Headers): boolean {
  const accept = headers.get('accept') ?? '';
  const type = (headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return accept.includes('application/json') || type === 'application/json';
}

/** The fields of a submit body the pipeline reads; everything else is Kratos's business. */
export interface SubmitFields {
  method?: string;
  identifier?: string;
  email?: string;
  code?: string;
  /** The captcha widget's token, if the body carries one. */
  captchaToken?: string;
}

/** Body fields the providers' widgets post their token in. */
const CAPTCHA_FIELDS = ['cf-turnstile-response', 'h-captcha-response', 'g-recaptcha-response'];
const NAMES = ['method', 'identifier', 'email', 'code', ...CAPTCHA_FIELDS] as const;

/**
 * The fields, or `undefined` when the body cannot be read the way Kratos would read it: a type
 * Kratos does not decode, or one field given twice with different values. Parsing differently
 * from Kratos would let a second spelling of the identifier past its counter, so such a submit is
 * refused rather than forwarded.
 */
export async function readFields(
  body: Uint8Array,
  contentType: string | null,
): Promise<SubmitFields | undefined> {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  const values = await fieldValues(body, type, contentType ?? '');
  if (!values) return undefined;
  const one = (name: string): string | undefined | null => {
    const found = new Set(values.get(name) ?? []);
    return found.size > 1 ? null : [...found][0];
  };
  const read = new Map(NAMES.map((n) => [n, one(n)] as const));
  if ([...read.values()].includes(null)) return undefined;
  const fields: SubmitFields = {};
  const method = read.get('method');
  const identifier = read.get('identifier');
  const email = read.get('email') ?? one('traits.email');
  const code = read.get('code');
  const token = CAPTCHA_FIELDS.map((n) => read.get(n)).find((v) => v);
  if (method) fields.method = method;
  if (identifier) fields.identifier = identifier;
  if (email) fields.email = email;
  if (code) fields.code = code;
  if (token) fields.captchaToken = token;
  return fields;
}

/** Every string value per (lower-cased, dotted) field name. */
async function fieldValues(
  body: Uint8Array,
  type: string,
  contentType: string,
): Promise<Map<string, string[]> | undefined> {
  const values = new Map<string, string[]>();
  const add = (name: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const key = name.toLowerCase();
    values.set(key, [...(values.get(key) ?? []), value]);
  };
  if (body.byteLength === 0) return values;
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return values; // Kratos refuses it too: nothing it could log anyone in with
    }
    // Go's encoding/json matches struct fields case-insensitively: `IDENTIFIER` is `identifier`.
    walk(parsed, '', add, 0);
    return values;
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    for (const [name, value] of new URLSearchParams(new TextDecoder().decode(body)))
      add(name, value);
    return values;
  }
  if (type === 'multipart/form-data') {
    try {
      const form = await new Response(body as Uint8Array<ArrayBuffer>, {
        headers: { 'content-type': contentType },
      }).formData();
      for (const [name, value] of form) add(name, value);
      return values;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function walk(
  node: unknown,
  path: string,
  add: (n: string, v: unknown) => void,
  depth: number,
): void {
  if (typeof node !== 'object' || node === null || Array.isArray(node) || depth > 2) {
    if (path) add(path, node);
    return;
  }
  for (const [key, value] of Object.entries(node))
    walk(value, path ? `${path}.${key}` : key, add, depth + 1);
}
