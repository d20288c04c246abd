// HTML from Kratos is small and machine-written: Go's http.Redirect writes
// `<a href="http://ory-kratos:4433/...">See Other</a>.` under every browser redirect, and error
// pages link back to flows. Only quoted href/src/action attribute values are candidates, and only
// Kratos URLs among them change; text, scripts and other attributes are left alone.
import { escapeHTML } from '../lib/html.ts';
import type { URLRewriter } from './url-rewriter.ts';

const URL_ATTRIBUTE = /(\s(?:href|src|action)\s*=\s*)("([^"]*)"|'([^']*)')/gi;

export function rewriteHTMLBody(
  html: string,
  rewriter: URLRewriter,
  publicOrigin: string,
): { text: string; changed: boolean } {
  if (!rewriter.mayMention(html, publicOrigin)) return { text: html, changed: false };
  let changed = false;
  const text = html.replace(
    URL_ATTRIBUTE,
    (whole, lead: string, _quoted: string, dq?: string, sq?: string) => {
      const raw = dq ?? sq ?? '';
      const decoded = decodeEntities(raw);
      const rewritten = rewriter.rewrite(decoded, publicOrigin);
      if (rewritten === decoded) return whole;
      changed = true;
      return `${lead}"${escapeHTML(rewritten)}"`;
    },
  );
  return { text, changed };
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X'
          ? parseInt(body.slice(2), 16)
          : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return NAMED[body.toLowerCase()] ?? entity;
  });
}
