// A local double of Have I Been Pwned's range API (GET /range/<5 hex>), for tests that must never
// reach the network. The policy builds `https://<host>/range/<prefix>` as Kratos does; `fetch`
// sends that same request over plain HTTP to this server and records every URL it was asked for.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RangeDouble {
  /** Full URLs the policy asked for (https://<host>/range/<prefix>). */
  requested: string[];
  /** Answers per prefix; an unknown prefix gets an empty 200. */
  answer(prefix: string, status: number, body: string): void;
  fetch: typeof fetch;
  close(): Promise<void>;
}

export const sha1Hex = (password: string): string =>
  createHash('sha1').update(password).digest('hex').toUpperCase();

export async function startRangeDouble(): Promise<RangeDouble> {
  const answers = new Map<string, { status: number; body: string }>();
  const requested: string[] = [];
  const server: Server = createServer((req, res) => {
    const prefix = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '')?.[1];
    const answer = prefix ? (answers.get(prefix) ?? { status: 200, body: '' }) : undefined;
    res.writeHead(answer?.status ?? 404, { 'content-type': 'text/plain' });
    res.end(answer?.body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    requested,
    answer: (prefix, status, body) => answers.set(prefix, { status, body }),
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      requested.push(url.href);
      return fetch(base + url.pathname, init);
    }) as typeof fetch,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
