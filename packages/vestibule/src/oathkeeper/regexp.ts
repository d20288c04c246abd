// regexp2 in RE2 mode, as ladon compiles Oathkeeper's regexp strategy, translated to a regex over
// the edge's (partly percent-encoded) path.
import { ALL, atomRegex, charSet, classSet, literalAtom, NONE, type CharSet } from './atoms.ts';

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
export function regexToEncodedRegex(source: string): string {
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
