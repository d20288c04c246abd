// whoami over undici's `request` on a keep-alive pool of its own: how the edge's gateway asks Kratos
// on a session-cache miss. Node's global fetch is the same undici underneath, plus the WHATWG
// Request/Response/stream machinery: with 100k cached sessions (bench/memory.bench.ts) the edge holds
// 17–23 MB less RSS without it, and a miss costs a quarter of the CPU. The app library keeps fetch
// (session/whoami.ts): it must run where undici does not.
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import { Deadline } from '../lib/deadline.ts';
import { KratosUnavailable } from '../lib/errors.ts';
import type { WhoamiSend } from './whoami.ts';

/** A whoami body is ~1.5 KB; anything near this is not a session, and is not buffered whole. */
export const MAX_WHOAMI_BODY_BYTES = 1 << 20;

export interface UndiciWhoami {
  send: WhoamiSend;
  close(): Promise<void>;
}

export interface UndiciWhoamiOptions {
  /** Most sockets open to Kratos at once; further misses queue. Default: no limit (as fetch had). */
  connections?: number;
}

/** A pool to the origin of `kratosPublicURL`; `send` only takes URLs on that origin. */
export function createUndiciWhoami(
  kratosPublicURL: string,
  options: UndiciWhoamiOptions = {},
): UndiciWhoami {
  const base = new URL(kratosPublicURL);
  // fetch refuses such a URL on every call; say so once, when the edge starts.
  if (base.username || base.password) {
    throw new TypeError('whoami: the Kratos public URL must not carry a user name or password');
  }
  const { origin } = base;
  const pool = new Pool(origin, {
    // fetch's defaults: no cap on sockets, and idle sockets closed after 4 s (a server that closes
    // sooner without saying so in a Keep-Alive header would otherwise fail a reused socket).
    ...(options.connections ? { connections: options.connections } : {}),
    keepAliveTimeout: 4_000,
  });
  const exchange = async (url: string, headers: Record<string, string>, deadline: Deadline) => {
    const res = await pool.request({
      path: url.slice(origin.length),
      method: 'GET',
      headers,
      signal: deadline,
    });
    const { statusCode: status } = res;
    if (status !== 200 && status !== 403) {
      // dump(), not destroy(): the keep-alive connection stays good.
      await res.body.dump();
      return { status, body: '' };
    }
    return { status, body: await readText(res.body, MAX_WHOAMI_BODY_BYTES) };
  };
  return {
    async send(url, headers, timeoutMs) {
      if (!url.startsWith(`${origin}/`)) {
        throw new TypeError(`whoami: ${url} is not on ${origin}`);
      }
      const deadline = new Deadline(timeoutMs, 'The Kratos whoami call');
      try {
        // within(): the answer is given up at the deadline even while the call waits for a socket.
        return await deadline.within(exchange(url, headers, deadline));
      } catch (err) {
        throw unavailable(err, deadline.aborted, timeoutMs);
      } finally {
        deadline.clear();
      }
    },
    close: () => pool.close(),
  };
}

/** The body as UTF-8 text; past `limit` bytes the body is destroyed and the call fails. */
function readText(body: Readable, limit: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        body.destroy(new KratosUnavailable(`kratos whoami sent more than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    body.on('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    body.on('error', reject);
  });
}

function unavailable(err: unknown, timedOut: boolean, timeoutMs: number): KratosUnavailable {
  if (err instanceof KratosUnavailable) return err;
  return timedOut
    ? new KratosUnavailable(`kratos whoami did not answer within ${timeoutMs}ms`, {
        cause: err,
        timeout: true,
      })
    : new KratosUnavailable(`kratos whoami is unreachable: ${(err as Error).message}`, {
        cause: err,
      });
}
