// Node labels (Kratos text/message_node.go): 1070xxx.
import { uiText } from './message.ts';

export const nodeText = {
  passwordLabel: () => uiText(1070001, 'Password', 'info'),
  /** A trait input's label: the schema `title` (text.NewInfoNodeLabelGenerated). */
  generatedLabel: (title: string, name: string) => uiText(1070002, title, 'info', { name, title }),
  saveLabel: () => uiText(1070003, 'Save', 'info'),
  idLabel: () => uiText(1070004, 'ID', 'info'),
  emailLabel: () => uiText(1070007, 'Email', 'info'),
  resendLabel: () => uiText(1070008, 'Resend code', 'info'),
  continueLabel: () => uiText(1070009, 'Continue', 'info'),
  recoveryCodeLabel: () => uiText(1070010, 'Recovery code', 'info'),
  verificationCodeLabel: () => uiText(1070011, 'Verification code', 'info'),
};
