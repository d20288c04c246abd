// WebSocket (and any HTTP/1.1 Upgrade) pass-through. Node hands upgrades to `server.on('upgrade')`
// with the raw socket, outside the request listener, so the gateway decides on the handshake
// request exactly like on any other request, then splices the two sockets together.
import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Decision } from '../app/responses.ts';
import type { ForwardPlan } from './plan.ts';

export function rejectUpgrade(socket: Duplex, decision: Decision): void {
  if (!socket.writable) return void socket.destroy();
  const body = Buffer.from(decision.body);
  const lines = [`HTTP/1.1 ${decision.status} ${STATUS_CODES[decision.status] ?? ''}`];
  for (const [name, value] of Object.entries(decision.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  lines.push(`content-length: ${body.length}`, 'connection: close');
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]));
}

function headBlock(statusLine: string, rawHeaders: string[]): string {
  const lines = [statusLine];
  for (let i = 0; i < rawHeaders.length; i += 2)
    lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

export function forwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  plan: ForwardPlan,
  onError: (err: unknown) => void,
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
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send(url, {
    method: req.method,
    headers: headers as unknown as Record<string, string>,
    agent: false,
  });
  const fail = (err: unknown) => {
    onError(err);
    if (!socket.destroyed)
      socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  };
  upstream.on('error', fail);
  socket.once('close', () => upstream.destroy());
  upstream.on('response', (res) => {
    // The upstream refused the upgrade: relay its answer and close.
    socket.write(headBlock(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}`, res.rawHeaders));
    res.pipe(socket);
  });
  upstream.on('upgrade', (res, upstreamSocket, upstreamHead) => {
    upstream.off('error', fail);
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('error', () => upstreamSocket.destroy());
    socket.write(
      headBlock(`HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}`, res.rawHeaders),
    );
    if (upstreamHead.length) socket.write(upstreamHead);
    if (head.length) upstreamSocket.write(head);
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
  });
  upstream.end();
}
