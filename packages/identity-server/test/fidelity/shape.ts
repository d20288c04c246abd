// The "shape" of an HTTP answer, as issue 14 defines fidelity to Kratos: status, Location path and
// query keys, Set-Cookie names and attributes, error id / reason / details presence, response keys,
// ui.nodes as group:type:name:attributes.type with message ids, ui.messages ids, continue_with
// actions, session and identity keys. Values that differ per run (ids, times, tokens) are left out.

export interface Answer {
  status: number;
  headers: Record<string, string>;
  setCookies: string[];
  body: unknown;
}

type Shape = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function cookieShape(header: string): string {
  const [pair = '', ...attrs] = header.split(';').map((p) => p.trim());
  // csrf_token_<sha256 hex of the public URL as Kratos prints it>: the hex is of a string this
  // replay cannot reproduce exactly, so the name is compared by its form.
  const name = pair
    .slice(0, pair.indexOf('='))
    .replace(/^csrf_token_[0-9a-f]{64}$/, 'csrf_token_<hash>');
  const parts = attrs.map((attr) => {
    const [key = '', value = ''] = attr.split('=');
    const k = key.toLowerCase();
    // Expiry values are times; what matters is whether the cookie is being deleted or kept.
    if (k === 'max-age') return `max-age:${Number(value) <= 0 ? 'delete' : 'keep'}`;
    if (k === 'expires')
      return `expires:${Date.parse(value) < Date.parse('2000-01-01') ? 'past' : 'future'}`;
    return value ? `${k}=${value.toLowerCase()}` : k;
  });
  return `${name}; ${parts.sort().join('; ')}`;
}

function locationShape(location: string | undefined): string | undefined {
  if (location === undefined) return undefined;
  const url = new URL(location, 'http://relative.invalid');
  const keys = [...new Set(url.searchParams.keys())].sort();
  // Ids in the path (/identities/{id}) differ per run.
  const path = url.pathname.replace(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
    '{id}',
  );
  return `${url.origin}${path}?${keys.join('&')}`;
}

function messageIds(messages: unknown): number[] {
  return Array.isArray(messages) ? messages.map((m) => (isObject(m) ? Number(m.id) : NaN)) : [];
}

function nodeShape(node: unknown): string {
  if (!isObject(node)) return String(node);
  const attributes = isObject(node.attributes) ? node.attributes : {};
  const ids = messageIds(node.messages);
  return `${String(node.group)}:${String(node.type)}:${String(attributes.name)}:${String(attributes.type)}${ids.length ? ` ${ids.join(',')}` : ''}`;
}

function identityShape(identity: unknown): unknown {
  if (!isObject(identity)) return identity === null ? null : typeof identity;
  return {
    keys: Object.keys(identity).sort(),
    credentials: isObject(identity.credentials) ? Object.keys(identity.credentials).sort() : null,
    verifiable_addresses: Array.isArray(identity.verifiable_addresses)
      ? identity.verifiable_addresses.map((a) =>
          isObject(a) ? `${String(a.status)}:${String(a.verified)}` : a,
        )
      : null,
  };
}

function sessionShape(session: unknown): unknown {
  if (!isObject(session)) return session === null ? null : typeof session;
  return { keys: Object.keys(session).sort(), identity: identityShape(session.identity) };
}

function objectShape(body: Record<string, unknown>): Shape {
  const shape: Shape = { keys: Object.keys(body).sort() };
  if (isObject(body.error)) {
    const e = body.error;
    shape.error = {
      id: e.id ?? null,
      code: e.code ?? null,
      reason: 'reason' in e,
      details: isObject(e.details) ? Object.keys(e.details).sort() : 'details' in e,
    };
  }
  if (isObject(body.ui)) {
    shape.nodes = Array.isArray(body.ui.nodes) ? body.ui.nodes.map(nodeShape) : null;
    shape.messages = messageIds(body.ui.messages);
  }
  if ('continue_with' in body) {
    shape.continue_with = Array.isArray(body.continue_with)
      ? body.continue_with.map((c) => (isObject(c) ? c.action : c))
      : body.continue_with;
  }
  if ('session' in body) shape.session = sessionShape(body.session);
  if ('identity' in body) shape.identity = identityShape(body.identity);
  // A session (whoami) or an identity (admin API) answered at the top level.
  if ('authenticator_assurance_level' in body && 'identity' in body)
    shape.session = sessionShape(body);
  if ('schema_id' in body && 'traits' in body) shape.identity = identityShape(body);
  return shape;
}

export function shapeOf(answer: Answer): Shape {
  const body = answer.body;
  return {
    status: answer.status,
    location: locationShape(answer.headers.location),
    cookies: answer.setCookies.map(cookieShape).sort(),
    body: isObject(body)
      ? objectShape(body)
      : Array.isArray(body)
        ? {
            list: body.map((item) =>
              isObject(item) ? Object.keys(item).sort().join(',') : typeof item,
            ),
          }
        : body === null || body === undefined || body === ''
          ? 'empty'
          : 'text',
  };
}

/** Human-readable differences between two shapes, as `path: expected ≠ actual`. */
export function diffShapes(expected: unknown, actual: unknown, path = ''): string[] {
  if (JSON.stringify(expected) === JSON.stringify(actual)) return [];
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((k) => diffShapes(expected[k], actual[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const missing = expected.filter(
      (e) => !actual.some((a) => JSON.stringify(a) === JSON.stringify(e)),
    );
    const extra = actual.filter(
      (a) => !expected.some((e) => JSON.stringify(a) === JSON.stringify(e)),
    );
    if (missing.length || extra.length) {
      return [`${path}: missing ${JSON.stringify(missing)} extra ${JSON.stringify(extra)}`];
    }
    return [`${path}: order ${JSON.stringify(expected)} ≠ ${JSON.stringify(actual)}`];
  }
  return [`${path}: ${JSON.stringify(expected)} ≠ ${JSON.stringify(actual)}`];
}
