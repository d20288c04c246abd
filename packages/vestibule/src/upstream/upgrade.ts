// WebSocket (and any HTTP/1.1 Upgrade) pass-through. Node hands upgrades to `server.on('upgrade')`
// with the raw socket, outside the request listener, so the gateway decides on the handshake
// request exactly like on any other request, then splices the two sockets together.
//
// Every byte written to the client socket here bypasses Node's ServerResponse, so this file frames
// responses itself: headers are rebuilt from parsed values (never relayed raw), hop-by-hop ones are
// dropped (RFC 9110 §7.6.1), and a refused upgrade is one self-delimiting message followed by close.
import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Decision } from '../access/decision.ts';
import { filterResponseHeaders } from './headers.ts';

type Fields = Record<string, string | string[] | undefined>;

// RFC 9110 §5.6.2 token (field names) and §5.5 field-value / §4 reason-phrase characters: no CR,
// LF, NUL or other control but HTAB, so no value can end the header block or start a new line.
/** Where a planned request goes: the upstream origin, the path to ask for, the headers to send. */
export interface ForwardPlan {
  origin: string;
  path: string;
  headers: string[];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Set by this file for the message it writes; a copy from elsewhere would contradict it. */
const FRAMING = new Set(['connection', 'content-length', 'transfer-encoding', 'upgrade']);

const BAD_GATEWAY = 'HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n';

/** [name, value] pairs safe to write on one line each; anything else is dropped. */
function safeFields(headers: Fields): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    // Proxy-* are about the hop to a proxy, never the client's business (RFC 9110 §11.7).
    if (FRAMING.has(lower) || lower.startsWith('proxy-') || !TOKEN.test(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && FIELD_TEXT.test(v)) out.push([name, v]);
    }
  }
  return out;
}

/** The edge's own fields replace the upstream's copies of them. */
function withEdgeFields(
  fields: Array<[string, string]>,
  edgeFields: EdgeFields,
): Array<[string, string]> {
  if (edgeFields.length === 0) return fields;
  const names = new Set(edgeFields.map(([name]) => name.toLowerCase()));
  const out = fields.filter(([name]) => !names.has(name.toLowerCase()));
  for (const [name, value] of edgeFields) out.push([name, value]);
  return out;
}

/** Latin-1, as Node writes header blocks: obs-text bytes go out as the upstream sent them. */
function headBlock(status: number, reason: string, fields: Array<[string, string]>): Buffer {
  const safeReason = FIELD_TEXT.test(reason) ? reason : (STATUS_CODES[status] ?? '');
  const lines = [`HTTP/1.1 ${status} ${safeReason}`];
  for (const [name, value] of fields) lines.push(`${name}: ${value}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

/** Fields the edge adds to every response it frames on the socket (Strict-Transport-Security). */
export type EdgeFields = ReadonlyArray<readonly [string, string]>;

export function rejectUpgrade(
  socket: Duplex,
  decision: Decision,
  edgeFields: EdgeFields = [],
): void {
  if (!socket.writable) return void socket.destroy();
  const body = Buffer.from(decision.body);
  const fields = withEdgeFields(safeFields(decision.headers), edgeFields);
  fields.push(['content-length', String(body.length)], ['connection', 'close']);
  const head = headBlock(decision.status, STATUS_CODES[decision.status] ?? '', fields);
  socket.end(Buffer.concat([head, body]));
}

/** The upstream's Content-Length when it framed the body with one (Node's parser has checked it). */
function declaredLength(res: IncomingMessage): number | undefined {
  const value = res.headers['content-length'];
  if (res.headers['transfer-encoding'] !== undefined || !value || !/^\d+$/.test(value)) return;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : undefined;
}

/**
 * The upstream answered the handshake with an ordinary response. Node has already de-chunked its
 * body, so relaying the upstream's own header block (Transfer-Encoding: chunked, keep-alive) would
 * make the client parse a body chosen by whoever controls the upstream's output as framing: a
 * reflected `0\r\n\r\nHTTP/1.1 302 …` would read as a second response on a reused connection.
 * Instead: rebuilt headers, `Connection: close`, the body framed by an exact Content-Length or by
 * the close itself (RFC 9112 §6.3 rule 8), and the socket ends after it.
 */
function relayRefusal(res: IncomingMessage, socket: Duplex, edgeFields: EdgeFields): void {
  const status = res.statusCode ?? 502;
  // A 1xx here is a 101 without Upgrade (RFC 9110 §15.2.2 requires one) or worse: not a switch
  // the edge can splice, and not a final answer either.
  if (status < 200 || !socket.writable) {
    res.destroy();
    if (socket.writable) socket.end(BAD_GATEWAY);
    else socket.destroy();
    return;
  }
  // RFC 9110 §6.4.1: 204 and 304 never carry content.
  const noBody = status === 204 || status === 304;
  const length = noBody ? undefined : declaredLength(res);
  const fields = withEdgeFields(safeFields(filterResponseHeaders(res.headers)), edgeFields);
  if (length !== undefined) fields.push(['content-length', String(length)]);
  fields.push(['connection', 'close']);
  socket.write(headBlock(status, res.statusMessage ?? '', fields));
  if (noBody) {
    res.destroy();
    socket.end();
    return;
  }
  let sent = 0;
  res.on('data', (chunk: Buffer) => {
    // Never more than announced: the client would read the excess as the next response.
    const room = length === undefined ? chunk.length : length - sent;
    const part = room < chunk.length ? chunk.subarray(0, room) : chunk;
    sent += part.length;
    if (!socket.write(part)) {
      res.pause();
      socket.once('drain', () => res.resume());
    }
  });
  res.on('end', () => (length === undefined || sent === length ? socket.end() : reset(socket)));
  res.on('error', () => reset(socket));
  res.on('close', () => {
    if (!res.complete) reset(socket);
  });
}

/**
 * The upstream's body was cut short: a clean close would pass a truncated close-delimited body off
 * as complete, so send a TCP RST where there is one (a TLS socket cannot, and gets a plain close).
 */
function reset(socket: Duplex): void {
  if (socket.destroyed) return;
  if (socket instanceof Socket) {
    try {
      socket.resetAndDestroy();
      return;
    } catch {
      // ERR_INVALID_HANDLE_TYPE: not a TCP handle (TLS); fall through.
    }
  }
  socket.destroy();
}

/** The 101 as the client gets it: the upstream's end-to-end headers, our own Connection/Upgrade. */
function switchingHead(res: IncomingMessage, edgeFields: EdgeFields): Buffer | undefined {
  const protocol = res.headers.upgrade;
  if (!protocol || !FIELD_TEXT.test(protocol)) return undefined;
  const fields = withEdgeFields(safeFields(filterResponseHeaders(res.headers)), edgeFields);
  fields.push(['connection', 'Upgrade'], ['upgrade', protocol]);
  return headBlock(101, 'Switching Protocols', fields);
}

export function forwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  plan: ForwardPlan,
  onError: (err: unknown) => void,
  edgeFields: EdgeFields = [],
): void {
  // Concatenate, never resolve: `new URL('//host/ws', origin)` reads `//host` as an authority and
  // would open the socket (with the signed identity headers) to a host the client chose.
  const url = new URL(plan.origin + plan.path);
  const headers = [
    ...plan.headers,
    'connection',
    'Upgrade',
    'upgrade',
    String(req.headers.upgrade ?? 'websocket'),
  ];
  const fail = (err: unknown) => {
    onError(err);
    if (!socket.destroyed) socket.end(BAD_GATEWAY);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  let upstream: ReturnType<typeof send>;
  try {
    upstream = send(url, {
      method: req.method,
      headers: headers as unknown as Record<string, string>,
      agent: false,
    });
  } catch (err) {
    // Node validates header values synchronously; a throw here must still answer the client.
    return fail(err);
  }
  upstream.on('error', fail);
  socket.once('close', () => upstream.destroy());
  upstream.on('response', (res) => relayRefusal(res, socket, edgeFields));
  upstream.on('upgrade', (res, upstreamSocket, upstreamHead) => {
    upstream.off('error', fail);
    const switching = switchingHead(res, edgeFields);
    if (!switching || socket.destroyed) {
      upstreamSocket.destroy();
      if (!switching) fail(new Error('upstream sent 101 without a valid Upgrade header'));
      return;
    }
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('error', () => upstreamSocket.destroy());
    // After the upgrade the request no longer owns upstreamSocket: tie the two lifetimes here.
    upstreamSocket.once('close', () => socket.destroy());
    socket.once('close', () => upstreamSocket.destroy());
    socket.write(switching);
    if (upstreamHead.length) socket.write(upstreamHead);
    if (head.length) upstreamSocket.write(head);
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
  });
  upstream.end();
}
