// UI texts of the recovery, verification and settings flows with Kratos's ids (ory/kratos text/
// message_recovery.go, message_verification.go, message_settings.go, message_node.go; English
// texts as in shared/ory/elements/messages.en.json).
import type { UIText } from '../../context.ts';

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
const success = (id: number, text: string, context?: Record<string, unknown>): UIText => ({
  id,
  text,
  type: 'success',
  ...(context ? { context } : {}),
});

const minutesAgo = (at: Date, now: Date) => ((now.getTime() - at.getTime()) / 60_000).toFixed(2);
const expiredContext = (at: Date) => ({
  expired_at: at.toISOString(),
  expired_at_unix: Math.floor(at.getTime() / 1000),
});

export const texts = {
  // node labels (1070xxx)
  emailLabel: () => info(1070007, 'Email'),
  continueLabel: () => info(1070009, 'Continue'),
  resendLabel: () => info(1070008, 'Resend code'),
  recoveryCodeLabel: () => info(1070010, 'Recovery code'),
  verificationCodeLabel: () => info(1070011, 'Verification code'),
  saveLabel: () => info(1070003, 'Save'),
  passwordLabel: () => info(1070001, 'Password'),

  // recovery (106xxxx / 406xxxx)
  recoverySuccessful: (privilegedUntil: Date, now: Date) => {
    const minutes = Math.max(0, (privilegedUntil.getTime() - now.getTime()) / 60_000);
    return info(
      1060001,
      `You successfully recovered your account. Please change your password or set up an alternative login method (e.g. social sign in) within the next ${minutes.toFixed(2)} minutes.`,
      {
        privileged_session_expires_at: privilegedUntil.toISOString(),
        privileged_session_expires_at_unix: Math.floor(privilegedUntil.getTime() / 1000),
        privileged_session_expires_at_unix_until_minutes: Math.round(minutes),
      },
    );
  },
  recoveryLinkSent: () =>
    info(
      1060002,
      'An email containing a recovery link has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
    ),
  recoveryCodeSent: () =>
    info(
      1060003,
      'An email containing a recovery code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
    ),
  recoveryRetrySuccess: () =>
    error(4060001, 'The request was already completed successfully and can not be retried.'),
  recoveryTokenInvalid: () =>
    error(
      4060004,
      'The recovery token is invalid or has already been used. Please retry the flow.',
    ),
  recoveryFlowExpired: (at: Date, now: Date) =>
    error(
      4060005,
      `The recovery flow expired ${minutesAgo(at, now)} minutes ago, please try again.`,
      expiredContext(at),
    ),
  recoveryCodeInvalid: () =>
    error(4060006, 'The recovery code is invalid or has already been used. Please try again.'),

  // verification (108xxxx / 407xxxx)
  verificationLinkSent: () =>
    info(
      1080001,
      'An email containing a verification link has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
    ),
  verificationSuccessful: () => success(1080002, 'You successfully verified your email address.'),
  verificationCodeSent: () =>
    info(
      1080003,
      'An email containing a verification code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
    ),
  verificationRetrySuccess: () =>
    error(4070002, 'The request was already completed successfully and can not be retried.'),
  verificationFlowExpired: (at: Date, now: Date) =>
    error(
      4070005,
      `The verification flow expired ${minutesAgo(at, now)} minutes ago, please try again.`,
      expiredContext(at),
    ),
  verificationCodeInvalid: () =>
    error(4070006, 'The verification code is invalid or has already been used. Please try again.'),

  // settings (105xxxx / 405xxxx)
  settingsSaved: () => success(1050001, 'Your changes have been saved!'),
  settingsFlowExpired: (at: Date, now: Date) =>
    error(
      4050001,
      `The settings flow expired ${minutesAgo(at, now)} minutes ago, please try again.`,
      expiredContext(at),
    ),

  // shared validation (4000xxx)
  required: (property: string) => error(4000002, `Property ${property} is missing.`, { property }),
  invalidEmail: (value: string) =>
    error(4000004, `"${value}" is not valid "email"`, {
      reason: `"${value}" is not valid "email"`,
    }),
  addressNotVerified: () =>
    error(4000010, 'Account not active yet. Did you forget to verify your email address?'),
  submittedTooOften: () =>
    error(4000001, 'The request was submitted too often. Please request another code.', {
      reason: 'The request was submitted too often. Please request another code.',
    }),
  duplicateCredentials: () =>
    error(
      4000007,
      'An account with the same identifier (email, phone, username, ...) exists already.',
    ),
};
