// Every text on a page comes from one of two places: Kratos's own `text` for a UI message (overridable
// by message id, the way Ory Elements' locales key them: `identities.messages.<id>`), or the edge's own
// page texts below (overridable by their `vestibule.*` key). Values are plain text; they are escaped
// when rendered, so a translation can never inject markup.
import type { UIText } from './flow-types.ts';

export const PAGE_TEXTS = {
  'vestibule.login.title': 'Sign in',
  'vestibule.login.refresh.title': 'Confirm it’s you',
  'vestibule.login.aal2.title': 'Second factor',
  'vestibule.registration.title': 'Create an account',
  'vestibule.recovery.title': 'Recover your account',
  'vestibule.verification.title': 'Verify your email address',
  'vestibule.settings.title': 'Account settings',
  'vestibule.error.title': 'Something went wrong',
  'vestibule.logout.title': 'Sign out',
  'vestibule.link.recovery': 'Forgot your password?',
  'vestibule.link.registration': 'No account yet? Create one',
  'vestibule.link.login': 'Already have an account? Sign in',
  'vestibule.link.back_to_login': 'Back to sign in',
  'vestibule.link.logout': 'Sign out',
  'vestibule.link.home': 'Back to the start page',
  'vestibule.link.restart': 'Start again',
  'vestibule.link.verify': 'Verify your email address',
  'vestibule.logout.confirm': 'Do you want to sign out?',
  'vestibule.logout.button': 'Sign out',
  'vestibule.group.profile': 'Profile',
  'vestibule.group.password': 'Change password',
  'vestibule.group.totp': 'Authenticator app',
  'vestibule.group.webauthn': 'Security keys',
  'vestibule.group.passkey': 'Passkeys',
  'vestibule.group.lookup_secret': 'Backup recovery codes',
  'vestibule.group.oidc': 'Connected accounts',
  'vestibule.group.saml': 'Single sign-on',
  'vestibule.group.code': 'Sign-in codes',
  'vestibule.group.deviceauthn': 'Trusted devices',
  'vestibule.notice.return_to_forbidden':
    'The page you came from is not an allowed return address, so you will stay here after signing in.',
  'vestibule.notice.too_many_attempts': 'Too many attempts. Please try again in {minutes} minutes.',
  'vestibule.notice.captcha_failed':
    'We could not confirm that you are not a robot. Please complete the challenge and try again.',
  'vestibule.notice.captcha_unavailable':
    'The challenge service is not reachable right now. Please try again in a moment.',
  'vestibule.error.request_id': 'Request id',
  'vestibule.error.generic': 'The request could not be completed. Please try again.',
  'vestibule.error.restart_loop':
    'We could not start a fresh form after several tries. Please make sure cookies are enabled for this site, then try again.',
  'vestibule.error.unavailable':
    'The identity service is not reachable right now. Please try again shortly.',
  'vestibule.error.not_found': 'This error is no longer available.',
  'vestibule.error.security_csrf_violation':
    'The form was opened in another tab or has gone stale. Please start again.',
  'vestibule.error.self_service_flow_expired': 'The form has expired. Please start again.',
  'vestibule.error.self_service_flow_return_to_forbidden':
    'The requested return address is not allowed.',
  'vestibule.error.self_service_flow_disabled': 'This feature is not enabled.',
  'vestibule.error.security_identity_mismatch':
    'This form was started for a different account, probably because you signed in or out in another tab. Please start again.',
  'vestibule.error.session_verified_address_required':
    'Please verify your email address before you sign in.',
} as const;

export type PageTextKey = keyof typeof PAGE_TEXTS;

export interface Texts {
  /** The text of a Kratos UI message, translated by id when a translation exists. */
  message(msg: UIText | undefined): string;
  /** `context` fills `{name}` placeholders (e.g. the minutes of a lockout notice). */
  page(key: PageTextKey, context?: Record<string, unknown>): string;
}

/** Accepts `4000006`, `identities.messages.4000006` (Ory Elements' locale keys) and `vestibule.*` keys. */
export function normaliseTranslationKey(key: string): string | undefined {
  const id = /^(?:identities\.messages\.)?(\d{7})$/.exec(key);
  if (id) return id[1];
  return key in PAGE_TEXTS ? key : undefined;
}

export function createTexts(translations: ReadonlyMap<string, string>): Texts {
  return {
    message(msg) {
      if (!msg) return '';
      const override = msg.id === undefined ? undefined : translations.get(String(msg.id));
      return override === undefined ? (msg.text ?? '') : interpolate(override, msg.context ?? {});
    },
    page(key, context) {
      const text = translations.get(key) ?? PAGE_TEXTS[key];
      return context ? interpolate(text, context) : text;
    },
  };
}

/** `{name}` placeholders, as in Ory's locale files, filled from the message's context (scalars only). */
function interpolate(template: string, context: Record<string, unknown>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (match, key: string) => {
    const value = context[key];
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : match;
  });
}
