// Browser-test harness: the whole demo stack in-process on free ports (embedded identity server with
// bcrypt cost 4 and a controllable clock, demo app, edge); chromium from test/support/browser.ts.
import { startStack, type RunningStack } from '../../src/stack/stack.ts';
import { createProgress } from '../../src/terminal/progress.ts';
import { createLogger } from 'vestibule/edge';
export * from '../../../../test/support/browser.ts';

/** A clock the identity server reads; `advance` moves Kratos's time (flow and session expiry). */
export function createTestClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms: number) {
      offsetMs += ms;
    },
  };
}

export interface TestStack {
  stack: RunningStack;
  clock: ReturnType<typeof createTestClock>;
  errors: string[];
}

export async function startTestStack(): Promise<TestStack> {
  const clock = createTestClock();
  const errors: string[] = [];
  const stack = await startStack({
    host: '127.0.0.1',
    ports: { edge: 0, app: 0, kratosPublic: 0, kratosAdmin: 0 },
    env: {},
    admin: { email: 'admin@example.com', password: 'browser-test-admin-4000' },
    identity: { bcryptCost: 4, clock },
    progress: createProgress(() => {}),
    logger: createLogger({ level: 'error', write: (line) => errors.push(line) }),
  });
  return { stack, clock, errors };
}

let counter = 0;
/** A fresh address per test; the password is long and unlike the address (Kratos similarity check). */
export function newUser() {
  counter += 1;
  return {
    email: `reader${counter}-${Date.now().toString(36)}@example.org`,
    password: `Quiet-harbour-${counter}-lanterns`,
  };
}
