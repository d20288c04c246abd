// Generated spellings of Kratos admin (and other non-public) paths, the classic bypasses of
// path-based allowlists: encoded and double-encoded slashes and dots, backslashes, `..;/`, overlong
// UTF-8, NUL, case folding, traversal out of an allowed path. None may ever reach Kratos.

const TARGETS = ['admin/identities', 'admin/sessions', 'admin/recovery/code', 'version'];

/** Ways to write the separator between segments. */
const SLASHES = ['/', '%2F', '%2f', '%252F', '%25252F', '\\', '%5C', '%255C', '//', '/./'];

/** Ways to climb out of an allowed public path back to the root. */
const CLIMBS = [
  'self-service/../',
  'self-service/%2e%2e/',
  'self-service/%2E%2E/',
  'self-service/%252e%252e/',
  'self-service/.%2e/',
  'sessions/..;/',
  'sessions/..%3B/',
  'schemas/..\\',
  'schemas/%2e%2e%5c',
  'self-service/login/../../',
  'self-service/%c0%ae%c0%ae/',
  'self-service/..%c0%af',
  'self-service/..%e0%80%af',
  'sessions/whoami/../../',
];

function encodeAll(path: string, charsToEncode: RegExp, times: number): string {
  let out = path;
  for (let i = 0; i < times; i++) {
    out = out.replace(charsToEncode, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
    charsToEncode = /%/g;
  }
  return out;
}

export function adminPathVariants(prefix = '/api/ory'): string[] {
  const variants = new Set<string>();
  for (const target of TARGETS) {
    for (const slash of SLASHES) variants.add(`${prefix}/${target.replaceAll('/', slash)}`);
    for (const climb of CLIMBS) variants.add(`${prefix}/${climb}${target}`);
    variants.add(`${prefix}/${target.toUpperCase()}`);
    variants.add(`${prefix}/${target[0]!.toUpperCase()}${target.slice(1)}`);
    variants.add(`${prefix}/${encodeAll(target, /[ad]/g, 1)}`);
    variants.add(`${prefix}/${encodeAll(target, /[ad]/g, 2)}`);
    variants.add(`${prefix}/${target};jsessionid=1`);
    variants.add(`${prefix}/${target}%00`);
    variants.add(`${prefix}/${target}%00.json`);
    variants.add(`${prefix}/./${target}`);
    variants.add(`${prefix}/%2e/${target}`);
    variants.add(`${prefix}%2F${target}`);
    variants.add(`${prefix}/../ory/${target}`);
    variants.add(`${prefix}/${target.replace('a', '\uff41')}`);
    variants.add(`${prefix}/${target.replace('a', '%EF%BD%81')}`);
    variants.add(`${prefix}/sessions/%2E%2E%2F${target.replaceAll('/', '%2F')}`);
  }
  return [...variants];
}
