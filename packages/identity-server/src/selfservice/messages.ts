// UI texts with Kratos's numeric ids (ory/kratos text/*.go; English texts as in
// shared/ory/elements/messages.en.json). Ids are a public contract: UIs translate by id.
import type { UIText } from '../context.ts';

const info = (id: number, text: string, context?: Record<string, unknown>): UIText => ({
  id,
  text,
  type: 'info',
  ...(context ? { context } : {}),
});
const error = (id: number, text: string, context?: Record<string, unknown>): UIText => ({
  id,
  text,
  type: 'error',
  ...(context ? { context } : {}),
});

const minutesAgo = (at: Date, now: Date) => ((now.getTime() - at.getTime()) / 60_000).toFixed(2);

export const messages = {
  // 1010xxx login, 1040xxx registration, 1070xxx node labels
  loginButton: () => info(1010001, 'Sign in'),
  loginReauth: () => info(1010003, 'Please confirm this action by verifying that it is you.'),
  loginWithPassword: () => info(1010022, 'Sign in with password'),
  registrationButton: () => info(1040001, 'Sign up'),
  passwordLabel: () => info(1070001, 'Password'),
  traitLabel: (title: string, name: string) => info(1070002, title, { name, title }),
  idLabel: () => info(1070004, 'ID'),

  // 4000xxx validation
  generic: (reason: string) => error(4000001, reason, { reason }),
  required: (property: string) => error(4000002, `Property ${property} is missing.`, { property }),
  invalidCredentials: () =>
    error(
      4000006,
      'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.',
    ),
  duplicateCredentials: () =>
    error(
      4000007,
      'An account with the same identifier (email, phone, username, ...) exists already.',
    ),
  noIdentifiers: () =>
    error(
      4000009,
      'Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration.',
    ),

  // 4010xxx login, 4040xxx registration
  loginFlowExpired: (expiredAt: Date, now: Date) =>
    error(
      4010001,
      `The login flow expired ${minutesAgo(expiredAt, now)} minutes ago, please try again.`,
      {
        expired_at: expiredAt.toISOString(),
        expired_at_unix: Math.floor(expiredAt.getTime() / 1000),
      },
    ),
  loginNoStrategy: () =>
    error(
      4010002,
      'Could not find a strategy to log you in with. Did you fill out the form correctly?',
    ),
  registrationNoStrategy: () =>
    error(
      4010003,
      'Could not find a strategy to sign you up with. Did you fill out the form correctly?',
    ),
  loginRetrySuccess: () =>
    error(4010007, 'The request was already completed successfully and can not be retried.'),
  identityDisabled: () =>
    error(4010011, 'This account has been disabled. Please contact support for assistance.'),
  registrationFlowExpired: (expiredAt: Date, now: Date) =>
    error(
      4040001,
      `The registration flow expired ${minutesAgo(expiredAt, now)} minutes ago, please try again.`,
      {
        expired_at: expiredAt.toISOString(),
        expired_at_unix: Math.floor(expiredAt.getTime() / 1000),
      },
    ),
  registrationRetrySuccess: () =>
    error(4040002, 'The request was already completed successfully and can not be retried.'),
};
