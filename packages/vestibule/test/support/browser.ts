// Browser-test harness: the whole demo stack in-process on free ports (embedded identity server with
// bcrypt cost 4 and a controllable clock, demo app, edge), and Debian's chromium through
// playwright-core. Outside CI a missing chromium skips with a visible notice; in CI it fails.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { startStack, type RunningStack } from '../../src/cli/stack.ts';
import { createProgress } from '../../src/cli/progress.ts';
import { createLogger } from '../../src/lib/logger.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOT_DIR = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'test-results',
  'browser',
);

/** `undefined` = run; a string = the reason to skip. Throws in CI when chromium is missing. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI)
    throw new Error(
      `browser tests must run in CI but ${CHROMIUM} is missing (apt-get install chromium)`,
    );
  const reason = `${CHROMIUM} not found (apt-get install chromium): browser tests skipped`;
  console.log(`# notice: ${reason}`);
  return reason;
}

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

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export async function newContext(
  browser: Browser,
  baseURL: string,
  options: { javaScriptEnabled?: boolean } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  context.setDefaultTimeout(15_000);
  return context;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
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
