// The shared atoms of both Oathkeeper pattern strategies: a set of decoded characters, and the regex
// that matches one of them in the edge's path, raw or percent-encoded (%XX, or the %XX%XX… UTF-8
// form of a non-ASCII character), never part of an escape. See patterns.ts for why.

/** The decoded characters one atom matches: ASCII members, and non-ASCII ones (all but some, or some). */
export interface CharSet {
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

export function charSet(members: (c: number) => boolean, nonASCII: CharSet['nonASCII']): CharSet {
  return { ascii: Array.from({ length: 128 }, (_, c) => members(c)), nonASCII };
}
export const NONE: CharSet['nonASCII'] = { all: false, only: [] };
export const ALL: CharSet['nonASCII'] = { all: true, except: [] };

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

export function atomRegex(set: CharSet): string {
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

export function literalRegex(text: string): string {
  return [...text].map((ch) => literalAtom(ch.codePointAt(0)!)).join('');
}

export function literalAtom(cp: number): string {
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
export function classSet(
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
