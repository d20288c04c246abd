// Oathkeeper `match.url` patterns (regexp and glob strategies) → regexes over the edge's path, for
// import.ts. Kept apart because faithful translation is most of the importer's code.
import { ConfigError } from '../lib/errors.ts';
import { literalRegex } from './atoms.ts';
import { globToEncodedRegex, quoteGlob } from './glob.ts';
import { regexToEncodedRegex } from './regexp.ts';

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
