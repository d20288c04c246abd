import { randomUUID } from 'node:crypto';

// The id this process minted last: the edge mints one, puts it on the request, and the gateway reads
// it back a moment later — it needs no second look (the pattern test was ~1 % of the edge's samples).
let lastMinted = '';

/** Request ids appear on error pages and in every log line so a user report can be traced. */
export function newRequestId(): string {
  return (lastMinted = randomUUID());
}

/** Accept a client/proxy-supplied id only when it is short and boring; otherwise mint one. */
export function requestIdFrom(headers: { get(name: string): string | null }): string {
  return saneRequestId(headers.get('x-request-id'));
}

/** `given` when it is a short, boring id; otherwise a fresh one. */
export function saneRequestId(given: string | null | undefined): string {
  if (given === lastMinted && given !== '') return given;
  return given && /^[A-Za-z0-9._-]{8,128}$/.test(given) ? given : newRequestId();
}
