// JSON-aware rewriting of Kratos bodies: find the string values of the fields Kratos fills with its own
// URLs and replace those tokens in the original text. Blind find-and-replace over the bytes would also
// rewrite user data (a trait that happens to contain the Kratos URL) and can corrupt escaped strings;
// a JSON.parse/JSON.stringify round trip would change numbers the browser must get exactly (Kratos
// keeps traits and metadata as raw JSON: 12345678901234567890 must not become 12345678901234567000,
// nor `1.10` become `1.1`, `-0` become `0`, `1e400` become `null`). So every byte outside a rewritten
// string token is passed on as Kratos sent it.
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
  // Most answers on the hot path (whoami, sessions) carry no Kratos URL at all: skip the scan.
  if (!rewriter.mayMention(text, publicOrigin)) return { text, changed: false };
  // JSON.parse stays the judge of what is JSON: anything it rejects passes through untouched, so
  // the scanner below only ever sees valid JSON (it still throws rather than guess).
  try {
    JSON.parse(text);
  } catch {
    return { text, changed: false };
  }
  const edits = findURLEdits(text, (key, value) =>
    rewriteField(key, value, rewriter, publicOrigin),
  );
  return edits.length === 0
    ? { text, changed: false }
    : { text: applyEdits(text, edits), changed: true };
}

function isURLKey(key: string): boolean {
  return key === 'request_url' || URL_KEYS.has(key);
}

function rewriteField(key: string, value: string, rewriter: URLRewriter, origin: string): string {
  return key === 'request_url'
    ? rewriter.rewriteRequestURL(value, origin)
    : rewriter.rewrite(value, origin);
}

/** One string token (quotes included) of the original text and its replacement. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = '';
  let last = 0;
  for (const edit of edits) {
    out += text.slice(last, edit.start) + edit.text;
    last = edit.end;
  }
  return out + text.slice(last);
}

/** An open object or array while scanning. */
interface Frame {
  readonly isArray: boolean;
  /** Below a user-data key (`traits`, `value`, …): nothing in here is rewritten. */
  readonly opaque: boolean;
  /** Objects: the (decoded) key whose value is being read; arrays: undefined. */
  key: string | undefined;
}

/**
 * Walks the JSON text token by token with an explicit stack (no recursion, so deep nesting cannot
 * overflow the call stack) and returns an edit for each string value under a URL key, outside user
 * data, that the rewriter changes. Keys are decoded before comparing, as JSON.parse would; every
 * occurrence of a duplicated key is visited. Numbers, literals and other strings are only skipped.
 */
function findURLEdits(text: string, rewrite: (key: string, value: string) => string): Edit[] {
  const edits: Edit[] = [];
  const frames: Frame[] = [];
  let pos = skipSpace(text, 0);
  for (;;) {
    // `pos` is at the first character of a value.
    const frame = frames.at(-1);
    const c = text[pos];
    if (c === '{' || c === '[') {
      const opaque =
        frame !== undefined &&
        (frame.opaque || (frame.key !== undefined && OPAQUE_KEYS.has(frame.key)));
      pos = skipSpace(text, pos + 1);
      if (text[pos] !== (c === '{' ? '}' : ']')) {
        const open: Frame = { isArray: c === '[', opaque, key: undefined };
        frames.push(open);
        if (!open.isArray) pos = readKey(text, pos, open);
        continue;
      }
      pos += 1;
    } else if (c === '"') {
      const end = stringEnd(text, pos);
      if (frame?.key !== undefined && !frame.opaque && isURLKey(frame.key)) {
        const value = decodeString(text, pos, end);
        const next = rewrite(frame.key, value);
        if (next !== value) edits.push({ start: pos, end, text: goStyleJSON(next) });
      }
      pos = end;
    } else {
      pos = literalEnd(text, pos);
    }
    // After a value: close what ends here; then either the text ends or a comma leads on.
    pos = skipSpace(text, pos);
    let top = frames.at(-1);
    while (top !== undefined && text[pos] === (top.isArray ? ']' : '}')) {
      frames.pop();
      pos = skipSpace(text, pos + 1);
      top = frames.at(-1);
    }
    if (top === undefined) {
      if (pos !== text.length) throw scanError(pos);
      return edits;
    }
    if (text[pos] !== ',') throw scanError(pos);
    pos = skipSpace(text, pos + 1);
    if (!top.isArray) pos = readKey(text, pos, top);
  }
}

/** Reads `"key" :` into the frame; returns the position of the value. */
function readKey(text: string, pos: number, frame: Frame): number {
  if (text[pos] !== '"') throw scanError(pos);
  const end = stringEnd(text, pos);
  frame.key = decodeString(text, pos, end);
  const colon = skipSpace(text, end);
  if (text[colon] !== ':') throw scanError(colon);
  return skipSpace(text, colon + 1);
}

/** Position just past the closing quote of the string token starting at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1; // the closing quote
    if (code < 0x20) break; // a raw control character is not JSON
    if (code === 0x5c) i += 1; // skip the escaped character: `\"` does not end the string
  }
  throw scanError(start);
}

function decodeString(text: string, start: number, end: number): string {
  const token = text.slice(start, end);
  return token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
}

const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

function literalEnd(text: string, pos: number): number {
  LITERAL.lastIndex = pos;
  if (!LITERAL.test(text)) throw scanError(pos);
  return LITERAL.lastIndex;
}

function skipSpace(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  return i;
}

function scanError(pos: number): SyntaxError {
  return new SyntaxError(`JSON body scanner: unexpected input at ${pos}`);
}

/**
 * Kratos (Go's encoding/json) escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings so a JSON body
 * can never be sniffed into markup; a string we write keeps that property.
 */
function goStyleJSON(value: string): string {
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
