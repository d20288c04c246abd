// Inputs for loginRedirectOrRefusal(), the decision the gateway and requireUser share for a request
// without a usable session: a browser asking for /notes, with a counter of return_to builds.
import type { LoginRedirectInput } from '../../src/access/login-redirect.ts';

export const headersOf = (values: Record<string, string>) => ({
  get: (name: string) => values[name] ?? null,
});

/** How often a decision built its return_to URL (tests reset `calls` themselves). */
export const returnToBuilt = { calls: 0 };

export const loginInput = (overrides: Partial<LoginRedirectInput> = {}): LoginRedirectInput => ({
  headers: headersOf({}),
  requestId: 'req-1',
  html: true,
  path: '/notes',
  loginURL: '/login',
  secondFactor: false,
  returnTo: () => {
    returnToBuilt.calls++;
    return 'https://app.example/notes?page=2';
  },
  ...overrides,
});
