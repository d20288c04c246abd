// Loopback host names as a WHATWG URL spells them in `hostname` (IPv6 in brackets).

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `localhost`, `127.0.0.1` or `[::1]`: names no outside DNS answer can point elsewhere. */
export function isLoopbackName(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname);
}
