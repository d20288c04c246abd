// The one HTML escape. Every page we render (self-service pages, error pages, the dev mailbox) and
// every attribute the proxy rewrites goes through it, so a fix lands once.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // Backtick: old IE read it as an attribute quote; harmless to escape everywhere.
  '`': '&#96;',
};

/** Escapes text for both element content and quoted attribute values. */
export function escapeHTML(value: string): string {
  return value.replace(/[&<>"'`]/g, (ch) => ESCAPES[ch] ?? ch);
}
