// The dev mailbox page in front of a real embedded identity server's admin API (in-process fetch,
// in-memory database, a clock the test moves), with the URLs it fetched: GET /admin/courier/messages
// is the boundary real Kratos offers too. Only the identity server's public API is used.
import { after } from 'node:test';
import { createIdentityServer, defaultConfig } from '@vestibule/identity-server';
import { createDevMailbox } from '../../src/dev/index.ts';

const running = new Set<() => Promise<void>>();
after(async () => {
  for (const close of running) await close();
});

/** Kratos's time for this server: moved by hand, never by sleeping. */
function handClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let now = start;
  return {
    now: () => new Date(now),
    advance: (ms: number) => void (now += ms),
  };
}

export async function startMailbox(options: { dev?: boolean } = { dev: true }) {
  const clock = handClock();
  const server = await createIdentityServer({
    // No SMTP URI: mail stays in the server's dev mailbox transport, as in the demo stack.
    config: defaultConfig({ dsn: 'memory', courier: { smtp: { connection_uri: '' } } }),
    dev: options.dev ?? false,
    clock,
    log: () => {},
  });
  running.add(() => server.close());
  const seen: string[] = [];
  const mailbox = createDevMailbox({
    kratosAdminURL: 'http://kratos-admin.internal:4434',
    allowedHosts: ['edge.test'],
    fetch: (input, init) => {
      const request = new Request(input, init);
      seen.push(request.url);
      return server.adminHandler(request);
    },
  });
  const get = (path: string, init?: RequestInit) =>
    mailbox(new Request(`http://edge.test${path}`, init));
  return { courier: server.context.courier, clock, get, seen };
}
