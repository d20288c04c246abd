// What the edge keeps of a Kratos session: a compact copy holding only the paths something reads.
// A whoami answer is ~1.5 KB of JSON and several KB once parsed (devices, addresses, recovery
// addresses, timestamps …); 100k cached sessions of it were most of an edge's memory. The gateway
// reads a known set of paths — the User (id, email, role), the cache's own bookkeeping (session id,
// expiry) and whatever its rules' header templates name — so that set, computed once from the
// configuration, is all a cached session holds. The app library's direct mode keeps whole sessions.
import { emailOf } from './user.ts';
import type { KratosSession } from './types.ts';

/**
 * Read by the gateway and the edge whatever the rules say: the session id (revocations) and the User
 * (`emailOf` falls back to a verifiable address: see below). Nothing else: `active` is true for
 * every session whoami returns, and the AAL and `authenticated_at` are read by no gateway code (a
 * header template or `createGateway({ sessionPaths })` that names them keeps them); each was a slot,
 * and `authenticated_at` a string, in every cached session (~7 MB at 100k, issue 15). `expires_at` is
 * read by the cache from the whole answer, before projecting (session/cache.ts), so a copy need not
 * hold it either.
 */
export const MINIMAL_SESSION_PATHS: readonly string[] = [
  'id',
  'identity.id',
  'identity.traits.email',
  'identity.metadata_public.role',
];

export type SessionProjection = (session: KratosSession) => KratosSession;

/**
 * Values many sessions share, kept as one string for all of them. V8's JSON.parse already shares
 * string values of up to 10 characters, so `aal1` or `admin` cost nothing per session; a longer role
 * (`administrator`, `billing_admin`) was a 32 B copy in every cached session.
 */
const SHARED_VALUE_PATHS: ReadonlySet<string> = new Set([
  'authenticator_assurance_level',
  'identity.metadata_public.role',
]);
// Bounded: past this many distinct values, or this length, a value is kept as it came (distinct
// roles set by an admin cannot grow the table without limit).
const SHARED_MAX_VALUES = 256;
const SHARED_MAX_LENGTH = 64;
const sharedValues = new Map<string, string>();

function shared(value: string): string {
  const known = sharedValues.get(value);
  if (known !== undefined) return known;
  if (sharedValues.size < SHARED_MAX_VALUES && value.length <= SHARED_MAX_LENGTH) {
    sharedValues.set(value, value);
  }
  return value;
}

/** A tree of the paths to keep: `true` keeps the whole value there. */
interface PathTree {
  [key: string]: PathTree | true;
}

const newTree = (): PathTree => Object.create(null) as PathTree;

/**
 * A tree compiled for copying: its keys in order, and a constructor of its own for the copies. 100k
 * cached sessions are 400k small objects; an object made by `{}` has room for 4 properties inline
 * and puts more in a separate array, one with 1 property still takes 4 slots. Objects made by one
 * constructor get exactly the slots its copies use (V8's in-object slack tracking), ~25 % of a
 * cached session's bytes. Its prototype is Object.prototype: a copy is a plain object to every
 * reader (JSON, spread, deepStrictEqual).
 */
interface CopyPlan {
  keys: string[];
  /** `true`: the value as it is; `'shared'`: a string value through shared(); else its own plan. */
  subs: Array<CopyPlan | true | 'shared'>;
  Copy: new () => Record<string, unknown>;
}

function compile(tree: PathTree, prefix = ''): CopyPlan {
  const keys = Object.keys(tree);
  const Copy = function () {} as unknown as CopyPlan['Copy'];
  Copy.prototype = Object.prototype;
  const subs = keys.map((k) => {
    const path = prefix + k;
    if (tree[k] !== true) return compile(tree[k]!, `${path}.`);
    return SHARED_VALUE_PATHS.has(path) ? 'shared' : true;
  });
  return { keys, subs, Copy };
}

/**
 * A projection keeping MINIMAL_SESSION_PATHS and `paths` (dot-separated, from the session's root).
 * `''` among them means the whole session: then sessions are kept as they are (null is returned).
 */
export function createSessionProjection(paths: Iterable<string>): SessionProjection | null {
  const tree = newTree();
  for (const path of [...MINIMAL_SESSION_PATHS, ...paths]) {
    if (path === '') return null;
    add(tree, path.split('.'));
  }
  const plan = compile(tree);
  return (session) => {
    const kept = pick(session, plan) as KratosSession;
    const identity = kept.identity as KratosSession['identity'] | undefined;
    if (!identity || typeof identity.traits !== 'object' || identity.traits === null) {
      // whoami() guarantees an identity with object traits: keep that shape.
      kept.identity = { ...identity, id: session.identity.id, traits: {} };
    }
    // No `traits.email`: the User's email comes from a verifiable address. Keep that one alone.
    const email = emailOf(session);
    if (email !== null && emailOf(kept) !== email) {
      kept.identity.verifiable_addresses = [{ value: email, via: 'email' }];
    }
    return kept;
  };
}

function add(tree: PathTree, keys: string[]): void {
  const [key, ...rest] = keys;
  // `__proto__` is no session field (and would set the copy's prototype).
  if (key === undefined || key === '__proto__' || tree[key] === true) return;
  if (rest.length === 0) {
    tree[key] = true;
    return;
  }
  add((tree[key] ??= newTree()) as PathTree, rest);
}

function pick(source: Record<string, unknown>, plan: CopyPlan): Record<string, unknown> {
  const out = new plan.Copy();
  for (let i = 0; i < plan.keys.length; i++) {
    const key = plan.keys[i]!;
    if (!Object.hasOwn(source, key)) continue;
    const value = source[key];
    const sub = plan.subs[i]!;
    // An array is kept whole (a template may index it); a scalar where an object was expected too:
    // the template then renders it as it would have from the whole session.
    if (sub === 'shared') out[key] = typeof value === 'string' ? shared(value) : value;
    else {
      out[key] =
        sub === true || !value || typeof value !== 'object' || Array.isArray(value)
          ? value
          : pick(value as Record<string, unknown>, sub);
    }
  }
  return out;
}
