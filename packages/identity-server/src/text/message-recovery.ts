// Recovery messages (Kratos text/message_recovery.go): 1060xxx info, 4060xxx errors.
import { flowExpired, retrySuccess, uiText } from './message.ts';

export const recoveryText = {
  recoverySuccessful: (privilegedUntil: Date, now: Date) => {
    const minutes = Math.max(0, (privilegedUntil.getTime() - now.getTime()) / 60_000);
    return uiText(
      1060001,
      `You successfully recovered your account. Please change your password or set up an alternative login method (e.g. social sign in) within the next ${minutes.toFixed(2)} minutes.`,
      'info',
      {
        privileged_session_expires_at: privilegedUntil.toISOString(),
        privileged_session_expires_at_unix: Math.floor(privilegedUntil.getTime() / 1000),
        privileged_session_expires_at_unix_until_minutes: Math.round(minutes),
      },
    );
  },
  recoveryLinkSent: () =>
    uiText(
      1060002,
      'An email containing a recovery link has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
      'info',
    ),
  recoveryCodeSent: () =>
    uiText(
      1060003,
      'An email containing a recovery code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
      'info',
    ),
  recoveryRetrySuccess: () => retrySuccess(4060001),
  recoveryTokenInvalid: () =>
    uiText(
      4060004,
      'The recovery token is invalid or has already been used. Please retry the flow.',
      'error',
    ),
  recoveryFlowExpired: (at: Date, now: Date) => flowExpired(4060005, 'recovery', at, now),
  recoveryCodeInvalid: () =>
    uiText(
      4060006,
      'The recovery code is invalid or has already been used. Please try again.',
      'error',
    ),
};
