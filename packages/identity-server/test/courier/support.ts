// A fast test double for the courier's slice of the context (CourierDependencies): an in-memory
// CourierPersister (the real SQL persister is exercised by the flow tests) and a fake clock.
import type { CourierDependencies } from '../../src/courier/index.ts';
import type { CourierMessage, CourierPersister, Page } from '../../src/persistence/types.ts';

export class FakeClock {
  #now: number;
  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = start;
  }
  now = (): Date => new Date(this.#now);
  advance(ms: number): void {
    this.#now += ms;
  }
}

export function memoryCourierPersister(): CourierPersister {
  const messages = new Map<string, CourierMessage>();
  const copy = (m: CourierMessage) => structuredClone(m);
  return {
    createMessage(m) {
      messages.set(m.id, copy(m));
      return Promise.resolve();
    },
    updateMessage(m) {
      messages.set(m.id, copy(m));
      return Promise.resolve();
    },
    getMessage(id) {
      const m = messages.get(id);
      return Promise.resolve(m ? copy(m) : undefined);
    },
    listMessages({ page_size, page_token, status, recipient }): Promise<Page<CourierMessage>> {
      const all = [...messages.values()]
        .filter(
          (m) => (!status || m.status === status) && (!recipient || m.recipient === recipient),
        )
        .sort((a, b) => a.id.localeCompare(b.id))
        .filter((m) => !page_token || m.id > page_token);
      const items = all.slice(0, page_size).map(copy);
      const more = all.length > page_size;
      return Promise.resolve({
        items,
        ...(more ? { next_page_token: items.at(-1)!.id } : {}),
      });
    },
  };
}

export interface TestContext {
  ctx: CourierDependencies;
  clock: FakeClock;
  logs: Array<{ level: string; msg: string }>;
}

export function courierTestContext(smtpURI = ''): TestContext {
  const clock = new FakeClock();
  const logs: TestContext['logs'] = [];
  const ctx = {
    config: {
      courier: {
        smtp: { connection_uri: smtpURI, from_address: 'no-reply@example.org', from_name: 'Acme' },
      },
      secrets: { default: ['a-test-secret-of-enough-length!!'], cookie: [], cipher: [] },
    },
    persister: memoryCourierPersister(),
    clock,
    log: (level: string, msg: string) => logs.push({ level, msg }),
  } as unknown as CourierDependencies;
  return { ctx, clock, logs };
}
