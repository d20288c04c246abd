// The wording of the security notifications (issue 12), rendered once here for every sink (the
// embedded identity server's courier, SMTP): a fixed subject per kind, a plain-text body with the
// time, what to do if it was not you, and the request id for support. Never a token, code or link
// that acts on the account: a notice tells, it does not let the reader do anything.
import type { SecurityNotice } from './notifier.ts';

export interface NoticeMail {
  to: string;
  subject: string;
  text: string;
}

export interface NoticeMailOptions {
  /** Named in the mails ("your Acme account"). Default "Vestibule". */
  productName?: string;
}

const SUBJECTS: Record<SecurityNotice['kind'], string> = {
  password_changed: 'Your password was changed',
  email_changed: 'Your email address was changed',
  account_recovered: 'Your account was recovered',
};

/** One address, no display name, nothing that could start another header. */
const ADDRESS = /^[^\s@<>(),;:"\\]+@[^\s@<>(),;:"\\]+$/;

export function renderSecurityNotice(
  notice: SecurityNotice,
  options: NoticeMailOptions = {},
): NoticeMail {
  if (!ADDRESS.test(notice.to))
    throw new TypeError('renderSecurityNotice: notice.to is not one email address');
  if (!(notice.at instanceof Date) || Number.isNaN(notice.at.getTime())) {
    throw new TypeError('renderSecurityNotice: notice.at must be a valid Date');
  }
  const product = oneLine(options.productName ?? 'Vestibule');
  const when = `${notice.at.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  const paragraphs = [
    'Hi,',
    ...what(notice, product, when),
    'If this was you, there is nothing else to do.',
    'If this was not you, someone else may have access to your account: recover it right away ' +
      '(use "Forgot password?" on the sign-in page) and contact support.',
    `Reference for support: ${oneLine(notice.requestId) || 'none'}`,
  ];
  return { to: notice.to, subject: SUBJECTS[notice.kind], text: paragraphs.join('\n\n') + '\n' };
}

function what(notice: SecurityNotice, product: string, when: string): string[] {
  switch (notice.kind) {
    case 'password_changed':
      return [`The password of your ${product} account was changed on ${when}.`];
    case 'email_changed':
      return [
        `The email address of your ${product} account was changed on ${when}` +
          (notice.newEmail ? ` to ${maskAddress(notice.newEmail)}.` : '.'),
        'This address will no longer receive mail about the account.',
      ];
    case 'account_recovered':
      return [
        `Access to your ${product} account was recovered on ${when}, and other sessions were signed out.`,
      ];
  }
}

/** `j***@example.com`: enough for the owner to recognise, not a new address handed to the old one. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return oneLine(`${address[0]}***${address.slice(at)}`);
}

function oneLine(value: string): string {
  return value
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .slice(0, 200);
}
