// Browser-test harness: the whole demo stack in-process on free ports (embedded identity server with
// bcrypt cost 4 and a controllable clock, demo app, edge), Debian's chromium through playwright-core,
// and the steps every browser test repeats (a fresh context, sign up, sign in, an identity by email).
// Chromium itself (launch, contexts, screenshots, the CI rule) is test/support/browser.ts, shared by
// every package's browser tests.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createLogger } from 'vestibule/edge';
import { startStack, type RunningStack } from '../../src/stack/stack.ts';
import { createProgress } from '../../src/terminal/progress.ts';
import { launchBrowser, newContext } from '../../../../test/support/browser.ts';
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

export interface TestStackOptions {
  /** Merged into the embedded identity server's Kratos config (hooks, recovery by link, …). */
  kratosOverrides?: Record<string, unknown>;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const clock = createTestClock();
  const errors: string[] = [];
  const selfservice = options.kratosOverrides?.selfservice as Record<string, unknown> | undefined;
  const stack = await startStack({
    host: '127.0.0.1',
    ports: { edge: 0, app: 0, kratosPublic: 0, kratosAdmin: 0 },
    // The browser tests of the self-service pages do not use OAuth2: no embedded server to start.
    oauth2: false,
    env: {},
    admin: { email: 'admin@example.com', password: 'browser-test-admin-4000' },
    identity: {
      bcryptCost: 4,
      clock,
      // Tests never reach the network: the stack's Have I Been Pwned lookup is turned off (the
      // offline common-password floor stays on).
      kratosOverrides: {
        ...options.kratosOverrides,
        selfservice: {
          ...selfservice,
          methods: {
            ...(selfservice?.methods as Record<string, unknown> | undefined),
            password: { config: { haveibeenpwned_enabled: false } },
          },
        },
      },
    },
    progress: createProgress(() => {}),
    logger: createLogger({ level: 'error', write: (line) => errors.push(line) }),
  });
  return { stack, clock, errors };
}

/** Closes the browser and the stack; prints the stack's error log, if any, for the failing run. */
export async function stopTestStack(
  env: TestStack | undefined,
  browser: Browser | undefined,
): Promise<void> {
  await browser?.close();
  await env?.stack.stop();
  if (env?.errors.length) console.log(`# stack error log:\n${env.errors.join('\n')}`);
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

export interface BrowserStack extends TestStack {
  browser: Browser;
  /** The edge's URL, where every page is opened. */
  base: string;
  fresh(options?: {
    javaScriptEnabled?: boolean;
  }): Promise<{ context: BrowserContext; page: Page }>;
}

/**
 * For a describe block: starts the stack and chromium before its tests and stops both after them.
 * The fields are set once `before` has run, so read them inside tests (`t.base`, `t.stack`).
 */
export function useBrowserStack(options: TestStackOptions = {}): BrowserStack {
  const t = {} as BrowserStack;
  before(async () => {
    Object.assign(t, await startTestStack(options));
    t.base = t.stack.edgeURL;
    t.browser = await launchBrowser();
  });
  after(() => stopTestStack(t.stack ? t : undefined, t.browser));
  t.fresh = (contextOptions = {}) => freshContext(t.browser, t.base, contextOptions);
  return t;
}

/** A new browser context (its own cookies) on the edge, with one page open. */
export async function freshContext(
  browser: Browser,
  baseURL: string,
  options: { javaScriptEnabled?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(browser, baseURL, options);
  return { context, page: await context.newPage() };
}

/** Registers `user` with a password through /registration and waits for the home page. */
export async function signUp(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto('/registration');
  assert.match(page.url(), /\/registration\?flow=[0-9a-f-]{36}$/);
  await page.fill('input[name="traits.email"]', user.email);
  // Kratos's default registration style is profile_first: the traits screen comes first, then the
  // credential screen with the password.
  const profile = page.locator('button[name="method"][value="profile"]');
  if ((await profile.count()) > 0) {
    await Promise.all([page.waitForURL(/\/registration\?flow=/), profile.click()]);
    await page.waitForSelector('input[name="password"]');
  }
  await page.fill('input[name="password"]', user.password);
  await submitPassword(page);
}

/** Clicks the form's password button and waits for the home page. */
export async function submitPassword(page: Page): Promise<void> {
  await Promise.all([
    page.waitForURL(new URL('/', page.url()).href),
    page.click('button[name="method"][value="password"]'),
  ]);
}

/** Fills the login form already on the page, without submitting it. */
export async function fillLogin(page: Page, identifier: string, password: string): Promise<void> {
  await page.fill('input[name="identifier"]', identifier);
  await page.fill('input[name="password"]', password);
}

/** Signs in with a password through /login and waits for the home page. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await fillLogin(page, email, password);
  await submitPassword(page);
}

export interface AdminIdentity {
  traits: { email?: string; name?: { first?: string } };
  verifiable_addresses: Array<{ verified: boolean; status: string }>;
}

/** The identity holding `email`, read through the stack's identity server admin API. */
export async function identityOf(stack: RunningStack, email: string): Promise<AdminIdentity> {
  const res = await fetch(
    `${stack.kratosAdminURL}/admin/identities?credentials_identifier=${encodeURIComponent(email)}`,
  );
  const [identity] = (await res.json()) as AdminIdentity[];
  assert.ok(identity, `an identity for ${email}`);
  return identity;
}

/** Submits the verification code filled in on the page; the address is then verified. */
export async function submitVerificationCode(
  page: Page,
  stack: RunningStack,
  email: string,
): Promise<void> {
  await Promise.all([page.waitForLoadState(), page.click('button[name="method"][value="code"]')]);
  assert.match(await page.content(), /You successfully verified your email address/);
  const address = (await identityOf(stack, email)).verifiable_addresses[0]!;
  assert.equal(address.verified, true);
  assert.equal(address.status, 'completed');
}
