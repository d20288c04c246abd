// Path globs for access rules, compiled to anchored regular expressions once at startup.
//   `*`  any characters within one path segment      `/api/*/items`
//   `**` any characters across segments              `/static/**`
//   `?`  one character within a segment
// A trailing `/**` also matches the bare prefix (`/admin/**` matches `/admin`), so a protected
// section cannot be reached by dropping its trailing slash when the default decision is `allow`.

export function globToRegExp(glob: string): RegExp {
  if (!glob.startsWith('/')) throw new TypeError(`path glob must start with "/": ${glob}`);
  let source = '';
  let rest = glob;
  let tail = '';
  if (rest.endsWith('/**')) {
    rest = rest.slice(0, -3);
    tail = '(?:/.*)?';
  }
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === '*' && rest[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (ch === '*') {
      source += '[^/]*';
    } else if (ch === '?') {
      source += '[^/]';
    } else {
      source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}${tail}$`);
}
