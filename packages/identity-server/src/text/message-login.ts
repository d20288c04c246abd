// Login messages (Kratos text/message_login.go): 1010xxx info, 4010xxx errors.
import { flowExpired, retrySuccess, uiText } from './message.ts';

export const loginText = {
  loginButton: () => uiText(1010001, 'Sign in', 'info'),
  loginReauth: () =>
    uiText(1010003, 'Please confirm this action by verifying that it is you.', 'info'),
  loginMFA: () => uiText(1010004, 'Please complete the second authentication challenge.', 'info'),
  loginWithPassword: () => uiText(1010022, 'Sign in with password', 'info'),
  loginFlowExpired: (expiredAt: Date, now: Date) => flowExpired(4010001, 'login', expiredAt, now),
  loginNoStrategy: () =>
    uiText(
      4010002,
      'Could not find a strategy to log you in with. Did you fill out the form correctly?',
      'error',
    ),
  loginRetrySuccess: () => retrySuccess(4010007),
  identityDisabled: () =>
    uiText(
      4010011,
      'This account has been disabled. Please contact support for assistance.',
      'error',
    ),
};
