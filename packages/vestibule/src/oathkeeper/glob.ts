// gobwas/glob v0.2.3, as Oathkeeper's glob strategy compiles `match.url` (separators '.' and '/'),
// translated to a regex over the edge's (partly percent-encoded) path.
import { atomRegex, charSet, classSet, literalAtom, NONE, type CharSet } from './atoms.ts';

const GLOB_SPECIALS = '*?\\[]{}';
/** gobwas glob.QuoteMeta, which Oathkeeper applies to the text outside `<…>`. */
export function quoteGlob(text: string): string {
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
export function globToEncodedRegex(glob: string): string {
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
