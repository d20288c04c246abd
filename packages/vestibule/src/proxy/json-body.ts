// JSON-aware rewriting of Kratos bodies: parse, visit only the fields Kratos fills with its own URLs,
// re-serialise. Blind find-and-replace over the bytes would also rewrite user data (a trait that
// happens to contain the Kratos URL) and can corrupt escaped strings.
import type { URLRewriter } from './url-rewriter.ts';

/**
 * Keys whose string value is a URL Kratos generated: `ui.action`; node attributes `href`/`src`
 * (img, a, script; `onclick`/`onload` are JavaScript, not URLs, and are left alone);
 * `logout_url`; `redirect_browser_to` (422 browser_location_change_required, continue_with,
 * session_aal2_required details); `return_to`; `continue_with[].flow.url`.
 */
const URL_KEYS: ReadonlySet<string> = new Set([
  'action',
  'href',
  'src',
  'logout_url',
  'redirect_browser_to',
  'return_to',
  'url',
]);

/** User-controlled data: never rewritten, whatever it contains. */
const OPAQUE_KEYS: ReadonlySet<string> = new Set([
  'traits',
  'metadata_public',
  'metadata_admin',
  'transient_payload',
  'context',
  'value',
]);

export interface JSONRewriteResult {
  text: string;
  changed: boolean;
}

/** Rewrites a Kratos JSON body; returns the input unchanged when it is not JSON or nothing matched. */
export function rewriteJSONBody(
  text: string,
  rewriter: URLRewriter,
  publicOrigin: string,
): JSONRewriteResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { text, changed: false };
  }
  const state = { changed: false };
  const walked = walk(parsed, rewriter, publicOrigin, state);
  return state.changed ? { text: goStyleJSON(walked), changed: true } : { text, changed: false };
}

/**
 * Kratos (Go's encoding/json) escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings so a JSON body
 * can never be sniffed into markup; keep that property after re-serialising. These characters only
 * occur inside JSON strings, so replacing them over the whole text is exact.
 */
function goStyleJSON(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

function walk(
  node: unknown,
  rewriter: URLRewriter,
  publicOrigin: string,
  state: { changed: boolean },
): unknown {
  if (Array.isArray(node)) return node.map((item) => walk(item, rewriter, publicOrigin, state));
  if (node === null || typeof node !== 'object') return node;
  // Null prototype: a `__proto__` key in the body stays data instead of becoming a prototype.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(node)) {
    out[key] = rewriteEntry(key, value, rewriter, publicOrigin, state);
  }
  return out;
}

function rewriteEntry(
  key: string,
  value: unknown,
  rewriter: URLRewriter,
  publicOrigin: string,
  state: { changed: boolean },
): unknown {
  if (OPAQUE_KEYS.has(key)) return value;
  if (typeof value === 'string') {
    let next = value;
    if (key === 'request_url') next = rewriter.rewriteRequestURL(value, publicOrigin);
    else if (URL_KEYS.has(key)) next = rewriter.rewrite(value, publicOrigin);
    if (next !== value) state.changed = true;
    return next;
  }
  return walk(value, rewriter, publicOrigin, state);
}
