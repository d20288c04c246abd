// Verification messages (Kratos text/message_verification.go): 1080xxx info, 4070xxx errors.
import { flowExpired, retrySuccess, uiText } from './message.ts';

export const verificationText = {
  verificationLinkSent: () =>
    uiText(
      1080001,
      'An email containing a verification link has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
      'info',
    ),
  verificationSuccessful: () =>
    uiText(1080002, 'You successfully verified your email address.', 'success'),
  verificationCodeSent: () =>
    uiText(
      1080003,
      'An email containing a verification code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.',
      'info',
    ),
  verificationSMSCodeSent: () =>
    uiText(
      1080004,
      'A text message containing a verification code has been sent to the phone number you provided. If you have not received a text message, check the spelling of the number and make sure to use the number you registered with.',
      'info',
    ),
  verificationNoStrategy: () =>
    uiText(
      4010006,
      'Could not find a strategy to verify your account with. Did you fill out the form correctly?',
      'error',
    ),
  verificationRetrySuccess: () => retrySuccess(4070002),
  verificationFlowExpired: (at: Date, now: Date) => flowExpired(4070005, 'verification', at, now),
  verificationCodeInvalid: () =>
    uiText(
      4070006,
      'The verification code is invalid or has already been used. Please try again.',
      'error',
    ),
};
