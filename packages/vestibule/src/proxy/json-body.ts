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
  // Most answers on the hot path (whoami, sessions) carry no Kratos URL at all: skip the parse.
  if (!rewriter.mayMention(text, publicOrigin)) return { text, changed: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { text, changed: false };
  }
  const state = { changed: false };
  walk(parsed, rewriter, publicOrigin, state);
  return state.changed ? { text: goStyleJSON(parsed), changed: true } : { text, changed: false };
}

/**
 * Kratos (Go's encoding/json) escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings so a JSON body
 * can never be sniffed into markup; keep that property after re-serialising. These characters only
 * occur inside JSON strings, so replacing them over the whole text is exact.
 */
function goStyleJSON(value: unknown): string {
  const json = JSON.stringify(value);
  return HTML_SENSITIVE.test(json) ? json.replace(HTML_SENSITIVE_ALL, goEscape) : json;
}

const HTML_SENSITIVE = /[<>&\u2028\u2029]/;
const HTML_SENSITIVE_ALL = /[<>&\u2028\u2029]/g;
const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function goEscape(c: string): string {
  return GO_ESCAPES[c]!;
}

/**
 * Visits the freshly parsed body in place (it is ours), assigning only URL keys, so a `__proto__`
 * key in the body stays an own data property and is never assigned through.
 */
function walk(
  node: unknown,
  rewriter: URLRewriter,
  publicOrigin: string,
  state: { changed: boolean },
): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, rewriter, publicOrigin, state);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (OPAQUE_KEYS.has(key)) continue;
    const value = record[key];
    if (typeof value !== 'string') {
      if (value !== null && typeof value === 'object') walk(value, rewriter, publicOrigin, state);
      continue;
    }
    const next =
      key === 'request_url'
        ? rewriter.rewriteRequestURL(value, publicOrigin)
        : URL_KEYS.has(key)
          ? rewriter.rewrite(value, publicOrigin)
          : value;
    if (next !== value) {
      record[key] = next;
      state.changed = true;
    }
  }
}
