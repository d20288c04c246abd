// Registration messages (Kratos text/message_registration.go): 1040xxx info, 4040xxx errors, and
// the "no strategy" error whose id Kratos allots in the 401xxxx block (text/id.go).
import { flowExpired, retrySuccess, uiText } from './message.ts';

export const registrationText = {
  registrationButton: () => uiText(1040001, 'Sign up', 'info'),
  registrationBack: () => uiText(1040008, 'Back', 'info'),
  registrationChooseCredentials: () =>
    uiText(1040009, 'Please choose a credential to authenticate yourself with.', 'info'),
  registrationNoStrategy: () =>
    uiText(
      4010003,
      'Could not find a strategy to sign you up with. Did you fill out the form correctly?',
      'error',
    ),
  registrationFlowExpired: (expiredAt: Date, now: Date) =>
    flowExpired(4040001, 'registration', expiredAt, now),
  registrationRetrySuccess: () => retrySuccess(4040002),
};
