// Oathkeeper `match.url` patterns (regexp and glob strategies) → regexes over the edge's path, for
// oathkeeper.ts. Kept apart because faithful translation is most of the importer's code.
import { ConfigError } from '../lib/errors.ts';

// match.url → a regex over the edge's path. Oathkeeper matches `scheme://Host` + the *decoded* path
// (Go's url.URL.Path) against the whole pattern: regexp strategy = ladon's CompileRegex (`^` +
// QuoteMeta(literal) + `(<inner>)` … `$`, regexp2 in RE2 mode); glob strategy = gobwas/glob over
// QuoteMeta(literal) + inner, with separators '.' and '/'. The edge matches its normalised path, in
// which characters other than unreserved ones may still be percent-encoded (target.ts). So each
// pattern atom is translated into "this character, raw or as its %XX / UTF-8 %XX%XX… encoding", and
// an atom never matches part of an escape: the imported regex matches an edge path only if
// Oathkeeper's pattern matches its decoded form. Where we cannot be exact we match less, never more;
// syntax whose meaning we cannot reproduce is an import error.

export type Segment = { literal: string } | { pattern: string };

/** Oathkeeper's (and ladon's) delimiterIndices: first-level `<…>`, nesting counted, unbalanced → error. */
export function splitSegments(url: string, key: string): Segment[] {
  const out: Segment[] = [];
  let level = 0;
  let start = 0;
  let end = 0;
  for (let i = 0; i < url.length; i++) {
    if (url[i] === '<' && ++level === 1) start = i;
    else if (url[i] === '>') {
      level--;
      if (level < 0) throw new ConfigError(`${key}.match.url`, 'unbalanced < >');
      if (level === 0) {
        if (start > end) out.push({ literal: url.slice(end, start) });
        out.push({ pattern: url.slice(start + 1, i) });
        end = i + 1;
      }
    }
  }
  if (level !== 0) throw new ConfigError(`${key}.match.url`, 'unbalanced < >');
  if (end < url.length) out.push({ literal: url.slice(end) });
  return out;
}

/**
 * Split the segments at the first literal `/` after the scheme's `://`: what precedes is matched
 * against `scheme://host`, the rest against the path. Matching the two halves separately matches a
 * subset of what the whole pattern matches (a `<…>` in the host could also have eaten part of the path).
 */
export function splitHostAndPath(
  segments: Segment[],
): { host: Segment[]; path: Segment[] } | undefined {
  let seenScheme = !segments.some((s) => 'literal' in s && s.literal.includes('://'));
  for (const [index, segment] of segments.entries()) {
    if (!('literal' in segment)) continue;
    let from = 0;
    if (!seenScheme && segment.literal.includes('://')) {
      from = segment.literal.indexOf('://') + 3;
      seenScheme = true;
    }
    const slash = segment.literal.indexOf('/', from);
    if (slash === -1) continue;
    const host = segments.slice(0, index);
    const path = segments.slice(index + 1);
    if (slash > 0) host.push({ literal: segment.literal.slice(0, slash) });
    path.unshift({ literal: segment.literal.slice(slash) });
    return { host, path };
  }
  return undefined;
}

/** Segments → a regex source over the edge's (partly percent-encoded) form of the string. */
export function segmentsToRegex(
  segments: Segment[],
  strategy: 'regexp' | 'glob',
  key: string,
): string {
  try {
    if (strategy === 'glob') {
      const glob = segments
        .map((s) => ('literal' in s ? quoteGlob(s.literal) : s.pattern))
        .join('');
      return globToEncodedRegex(glob);
    }
    return segments
      .map((s) =>
        'literal' in s ? literalRegex(s.literal) : `(?:${regexToEncodedRegex(s.pattern)})`,
      )
      .join('');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${key}.match.url`, (err as Error).message);
  }
}

// --- character sets and their encoded forms ---------------------------------------------------

/** The decoded characters one atom matches: ASCII members, and non-ASCII ones (all but some, or some). */
interface CharSet {
  ascii: boolean[];
  nonASCII: { all: true; except: number[] } | { all: false; only: number[] };
}

const MAX_LISTED = 256;
const HEX = '[0-9A-Fa-f]';
const CONT = `%[89ABab]${HEX}`;
/** One well-formed UTF-8 sequence of a non-ASCII character, percent-encoded (RFC 3629 §4). */
const UTF8 = [
  `%[Cc][2-9A-Fa-f]${CONT}`,
  `%[Dd]${HEX}${CONT}`,
  `%[Ee]0%[ABab]${HEX}${CONT}`,
  `%[Ee][1-9A-Ca-c]${CONT}${CONT}`,
  `%[Ee][Dd]%[89]${HEX}${CONT}`,
  `%[Ee][EFef]${CONT}${CONT}`,
  `%[Ff]0%[9ABab]${HEX}${CONT}${CONT}`,
  `%[Ff][1-3]${CONT}${CONT}${CONT}`,
  `%[Ff]4%8${HEX}${CONT}${CONT}`,
].join('|');

function charSet(members: (c: number) => boolean, nonASCII: CharSet['nonASCII']): CharSet {
  return { ascii: Array.from({ length: 128 }, (_, c) => members(c)), nonASCII };
}
const NONE: CharSet['nonASCII'] = { all: false, only: [] };
const ALL: CharSet['nonASCII'] = { all: true, except: [] };

function hexDigit(d: number): string {
  const h = d.toString(16);
  return /[a-f]/.test(h) ? `[${h.toUpperCase()}${h}]` : h;
}

/** A non-ASCII code point as its percent-encoded UTF-8 bytes (either hex case). */
function encodedCodePoint(cp: number): string {
  return [...Buffer.from(String.fromCodePoint(cp), 'utf8')]
    .map((b) => `%${hexDigit(b >> 4)}${hexDigit(b & 15)}`)
    .join('');
}

/** Characters as a JS class body, runs of three or more as ranges (`a-z`). */
function classBody(codes: number[]): string {
  const member = (c: number) => {
    const ch = String.fromCharCode(c);
    return /[A-Za-z0-9]/.test(ch) ? ch : `\\${ch}`;
  };
  let out = '';
  for (let k = 0; k < codes.length; k++) {
    let end = k;
    while (codes[end + 1] === codes[end]! + 1) end++;
    if (end - k >= 2) {
      out += `${member(codes[k]!)}-${member(codes[end]!)}`;
      k = end;
    } else out += member(codes[k]!);
  }
  return out;
}

function hexClass(digits: number[]): string {
  if (digits.length === 16) return HEX;
  const chars = digits.flatMap((d) => (d < 10 ? [48 + d] : [55 + d, 87 + d])).sort((a, b) => a - b);
  return chars.length === 1 ? String.fromCharCode(chars[0]!) : `[${classBody(chars)}]`;
}

// The edge decodes unreserved characters and refuses %2F, %5C and %00 (target.ts), so those never
// appear as %XX in the path it matches: leaving them out keeps patterns readable.
const neverEncoded = (c: number) => c === 0 || /[A-Za-z0-9\-._~/\\]/.test(String.fromCharCode(c));

function atomRegex(set: CharSet): string {
  const alternatives: string[] = [];
  // Raw characters decode to themselves; a raw `%` is never one (it starts an escape).
  const raw = set.ascii.flatMap((on, c) => (on && c > 0x20 && c < 0x7f && c !== 0x25 ? [c] : []));
  if (raw.length === 1) alternatives.push(classBody(raw));
  else if (raw.length) alternatives.push(`[${classBody(raw)}]`);
  const triples: string[] = [];
  for (let hi = 0; hi < 8; hi++) {
    const lows = [...Array(16).keys()].filter(
      (lo) => set.ascii[hi * 16 + lo] && !neverEncoded(hi * 16 + lo),
    );
    if (lows.length) triples.push(`${hi}${hexClass(lows)}`);
  }
  if (triples.length === 1) alternatives.push(`%${triples[0]}`);
  else if (triples.length) alternatives.push(`%(?:${triples.join('|')})`);
  if (set.nonASCII.all) {
    const except = set.nonASCII.except.map(encodedCodePoint);
    alternatives.push(except.length ? `(?!${except.join('|')})(?:${UTF8})` : UTF8);
  } else alternatives.push(...set.nonASCII.only.map(encodedCodePoint));
  if (alternatives.length === 0) return '[]'; // matches nothing
  return alternatives.length === 1 && raw.length
    ? alternatives[0]!
    : `(?:${alternatives.join('|')})`;
}

function literalRegex(text: string): string {
  return [...text].map((ch) => literalAtom(ch.codePointAt(0)!)).join('');
}

function literalAtom(cp: number): string {
  if (cp >= 0x80) return `(?:${encodedCodePoint(cp)})`;
  return atomRegex(charSet((c) => c === cp, NONE));
}

/** Code points lo..hi as a set (a non-ASCII part too large to list is left out: narrower). */
function rangeSet(
  lo: number,
  hi: number,
): { ascii: number[]; nonASCII: number[] | 'all' | 'many' } {
  const ascii: number[] = [];
  for (let c = lo; c <= Math.min(hi, 0x7f); c++) ascii.push(c);
  const from = Math.max(lo, 0x80);
  if (hi < from) return { ascii, nonASCII: [] };
  if (from === 0x80 && hi >= 0x10ffff) return { ascii, nonASCII: 'all' };
  if (hi - from >= MAX_LISTED) return { ascii, nonASCII: 'many' };
  return { ascii, nonASCII: Array.from({ length: hi - from + 1 }, (_, i) => from + i) };
}

/** Positive or negated class from members; what cannot be listed exactly is dropped (narrower). */
function classSet(
  ranges: Array<[number, number]>,
  negated: boolean,
  shorthand: boolean[] | undefined,
): CharSet {
  const ascii = new Set<number>();
  let nonASCII: number[] = [];
  let inexact = false; // some non-ASCII members unknown (too many, or Unicode-aware shorthands)
  let allNonASCII = false;
  for (const [lo, hi] of ranges) {
    const part = rangeSet(lo, hi);
    part.ascii.forEach((c) => ascii.add(c));
    if (part.nonASCII === 'all') allNonASCII = true;
    else if (part.nonASCII === 'many') inexact = true;
    else nonASCII = nonASCII.concat(part.nonASCII);
  }
  if (shorthand) {
    shorthand.forEach((on, c) => on && ascii.add(c));
    inexact = true;
  }
  if (!negated) {
    return charSet((c) => ascii.has(c), allNonASCII ? ALL : { all: false, only: nonASCII });
  }
  if (allNonASCII) return charSet((c) => !ascii.has(c), NONE);
  if (inexact || nonASCII.length > MAX_LISTED) return charSet((c) => !ascii.has(c), NONE);
  return charSet((c) => !ascii.has(c), { all: true, except: nonASCII });
}

// --- gobwas/glob v0.2.3 -------------------------------------------------------------------------

const GLOB_SPECIALS = '*?\\[]{}';
/** gobwas glob.QuoteMeta, which Oathkeeper applies to the text outside `<…>`. */
function quoteGlob(text: string): string {
  return [...text].map((ch) => (GLOB_SPECIALS.includes(ch) ? `\\${ch}` : ch)).join('');
}

const SEPARATORS = new Set([0x2e, 0x2f]); // Oathkeeper: glob.Compile(pattern, '.', '/')
// gobwas v0.2.3 measures some fixed-length parts in bytes where it means characters, so it misses
// matches around multi-byte characters: glob atoms match ASCII only (less than gobwas, never more).
const ANY_BUT_SEPARATOR = (): CharSet => charSet((c) => !SEPARATORS.has(c), NONE);
const ANYTHING = (): CharSet => charSet(() => true, NONE);

/**
 * A gobwas glob → regex over the encoded path. Follows gobwas's lexer: `*` (no separator), `**`,
 * `?` (one non-separator), `[abc]` / `[!abc]` (one list, any character incl. separators; `^` is
 * an ordinary member), `[a-z]` / `[!a-z]` (one range), `{a,b}` (nestable), `\` escapes. What
 * gobwas rejects is rejected; an unclosed `{` (which gobwas silently closes) too.
 */
function globToEncodedRegex(glob: string): string {
  if ([...glob].some((ch) => ch.codePointAt(0)! > 0x7f)) {
    throw new Error(`glob: non-ASCII characters in ${glob}`);
  }
  const chars = [...glob];
  let i = 0;
  let depth = 0;
  const fail = (why: string) => new Error(`glob: ${why} in ${glob}`);
  // Each sequence also says whether it is plain text (what may stand in a {…} alternative).
  const sequence = (): { regex: string; text: boolean } => {
    let regex = '';
    let text = true;
    while (i < chars.length) {
      const ch = chars[i]!;
      if (depth > 0 && (ch === ',' || ch === '}')) break;
      i++;
      if (ch === '\\') {
        if (i >= chars.length) throw fail('trailing "\\"');
        regex += literalAtom(chars[i++]!.codePointAt(0)!);
        continue;
      }
      if (ch !== '{' && ch !== '[' && ch !== '?' && ch !== '*') {
        regex += literalAtom(ch.codePointAt(0)!);
        continue;
      }
      text = false;
      if (ch === '{') regex += alternatives();
      else if (ch === '[') regex += atomRegex(globClass());
      else if (ch === '?') regex += atomRegex(ANY_BUT_SEPARATOR());
      else if (chars[i] !== '*') regex += `${atomRegex(ANY_BUT_SEPARATOR())}*`;
      else if (chars[i + 1] === '*') throw fail('"***" (gobwas matches it inconsistently)');
      else {
        i++;
        regex += `${atomRegex(ANYTHING())}*`;
      }
    }
    return { regex, text };
  };
  // gobwas v0.2.3 mismatches alternatives that hold wildcards, classes or nothing ({a*,b}, {,x}):
  // only plain, non-empty text alternatives are accepted.
  const alternatives = (): string => {
    depth++;
    const list = [sequence()];
    while (chars[i] === ',') {
      i++;
      list.push(sequence());
    }
    if (chars[i] !== '}') throw fail('unclosed "{"');
    i++;
    depth--;
    if (list.some((a) => !a.text || a.regex === '')) {
      throw fail('{…} alternatives must be plain, non-empty text');
    }
    return `(?:${list.map((a) => a.regex).join('|')})`;
  };
  const globClass = (): CharSet => {
    let negated = false;
    if (chars[i] === '!') {
      negated = true;
      i++;
    }
    if (i >= chars.length) throw fail('unclosed "["');
    if (chars[i + 1] === '-') {
      const lo = chars[i]!.codePointAt(0)!;
      const hiChar = chars[i + 2];
      if (hiChar === undefined) throw fail('unclosed "["');
      const hi = hiChar.codePointAt(0)!;
      if (chars[i + 3] !== ']') throw fail('a range must be one lo-hi pair');
      if (hi < lo) throw fail(`range ${chars[i]}-${hiChar} is reversed`);
      i += 4;
      return { ...classSet([[lo, hi]], negated, undefined), nonASCII: NONE };
    }
    const members: number[] = [];
    while (i < chars.length && chars[i] !== ']') {
      if (chars[i] === '\\') i++;
      if (i < chars.length) members.push(chars[i++]!.codePointAt(0)!);
    }
    if (chars[i] !== ']') throw fail('unclosed "["');
    if (!members.length) throw fail('empty "[]"');
    i++;
    const ranges = members.map((c): [number, number] => [c, c]);
    return { ...classSet(ranges, negated, undefined), nonASCII: NONE };
  };
  return sequence().regex;
}

// --- regexp (regexp2 in RE2 mode, as ladon compiles it) -----------------------------------------

const DIGIT = (c: number) => c >= 0x30 && c <= 0x39;
const WORD = (c: number) =>
  DIGIT(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
// Only what both RE2 and .NET count as space; \v and Unicode spaces differ, so are left out.
const SPACE = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
const SHORTHANDS: Record<string, (c: number) => boolean> = { d: DIGIT, w: WORD, s: SPACE };
const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

/**
 * One `<…>` regular expression → regex over the encoded path. Supported: literals, `.`, classes
 * (ranges, negation, `\d \w \s` and their negations, ASCII-only as in RE2), groups (capturing,
 * `(?:`, named), `|`, greedy and lazy quantifiers, `\xHH`, `\uHHHH`, `\t \n \v \f \r`, escaped
 * punctuation. Refused: anchors (`^ $ \A \z \b` — they would anchor at the path, not the URL),
 * lookaround, backreferences, inline flags, `\p{…}`, POSIX classes, class subtraction, other escapes.
 */
function regexToEncodedRegex(source: string): string {
  const chars = [...source];
  let i = 0;
  let depth = 0;
  const fail = (why: string) => new Error(`regexp: ${why} in ${source}`);
  let out = '';
  while (i < chars.length) {
    const ch = chars[i++]!;
    if (ch === '(') {
      if (chars[i] === '?') {
        const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(chars.slice(i).join(''));
        if (chars[i + 1] === ':') i += 2;
        else if (named) i += [...named[0]].length;
        else throw fail(`unsupported group "(${chars.slice(i, i + 3).join('')}"`);
      }
      depth++;
      out += '(?:';
    } else if (ch === ')') {
      if (--depth < 0) throw fail('unbalanced ")"');
      out += ')';
    } else if (ch === '|') out += '|';
    else if (ch === '*' || ch === '+' || ch === '?') {
      out += ch;
      if (chars[i] === '?') out += chars[i++];
    } else if (ch === '{' && /^\d+(,\d*)?\}/.test(chars.slice(i).join(''))) {
      const quantifier = /^\d+(,\d*)?\}/.exec(chars.slice(i).join(''))![0];
      i += quantifier.length;
      out += `{${quantifier}`;
      if (chars[i] === '?') out += chars[i++];
    } else if (ch === '.') out += atomRegex(charSet((c) => c !== 0x0a, ALL));
    else if (ch === '[') out += atomRegex(regexClass());
    else if (ch === '^' || ch === '$')
      throw fail(`anchor "${ch}" (Oathkeeper anchors the whole URL)`);
    else if (ch === '\\') {
      const escape = regexEscape();
      out += typeof escape === 'number' ? literalAtom(escape) : atomRegex(escape);
    } else out += literalAtom(ch.codePointAt(0)!);
  }
  if (depth !== 0) throw fail('unbalanced "("');
  return out;

  function regexEscape(): number | CharSet {
    const ch = chars[i++];
    if (ch === undefined) throw fail('trailing "\\"');
    const shorthand = SHORTHANDS[ch.toLowerCase()];
    if (shorthand) {
      return ch === ch.toLowerCase()
        ? charSet(shorthand, NONE)
        : charSet((c) => !shorthand(c) && !(ch === 'S' && c === 0x0b), NONE);
    }
    if (ch in CONTROL_ESCAPES) return CONTROL_ESCAPES[ch]!;
    const hex = ch === 'x' ? 2 : ch === 'u' ? 4 : 0;
    if (hex) {
      const digits = chars.slice(i, i + hex).join('');
      if (!new RegExp(`^[0-9A-Fa-f]{${hex}}$`).test(digits)) throw fail(`bad "\\${ch}" escape`);
      i += hex;
      return Number.parseInt(digits, 16);
    }
    if (/[A-Za-z0-9]/.test(ch)) throw fail(`unsupported escape "\\${ch}"`);
    return ch.codePointAt(0)!;
  }

  function regexClass(): CharSet {
    let negated = false;
    if (chars[i] === '^') {
      negated = true;
      i++;
    }
    const ranges: Array<[number, number]> = [];
    let shorthand: boolean[] | undefined;
    let first = true;
    for (;;) {
      const ch = chars[i];
      if (ch === undefined) throw fail('unclosed "["');
      if (ch === ']' && !first) break;
      first = false;
      if (ch === '[' && chars[i + 1] === ':') throw fail('POSIX classes are not supported');
      if (ch === '-' && chars[i + 1] === '[') throw fail('class subtraction is not supported');
      i++;
      let lo: number;
      if (ch === '\\') {
        const escape = regexEscape();
        if (typeof escape !== 'number') {
          shorthand ??= Array<boolean>(128).fill(false);
          escape.ascii.forEach((on, c) => on && (shorthand![c] = true));
          continue;
        }
        lo = escape;
      } else lo = ch.codePointAt(0)!;
      if (chars[i] === '-' && chars[i + 1] !== undefined && chars[i + 1] !== ']') {
        i++;
        const hiChar = chars[i++]!;
        let hi = hiChar.codePointAt(0)!;
        if (hiChar === '\\') {
          const escape = regexEscape();
          if (typeof escape !== 'number') throw fail('a class shorthand cannot end a range');
          hi = escape;
        } else if (hiChar === '[') throw fail('"[" in a class is ambiguous');
        if (hi < lo) throw fail('reversed range');
        ranges.push([lo, hi]);
      } else ranges.push([lo, lo]);
    }
    i++;
    return classSet(ranges, negated, shorthand);
  }
}
