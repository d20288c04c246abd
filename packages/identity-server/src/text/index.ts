// Every UI message the server sends, by Kratos message-id family (text/message_*.go).
export { uiText, type UIText } from './message.ts';
export { loginText } from './message-login.ts';
export { registrationText } from './message-registration.ts';
export { settingsText } from './message-settings.ts';
export { recoveryText } from './message-recovery.ts';
export { verificationText } from './message-verification.ts';
export { validationText, passwordText } from './message-validation.ts';
export { nodeText } from './message-node.ts';
