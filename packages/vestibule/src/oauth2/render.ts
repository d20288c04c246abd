// The consent and logout confirmation pages, in the self-service pages' shell (same stylesheet,
// theme and CSP: scripts by nonce only, images from the theme's origin). Client-supplied text
// (name, URIs) is escaped; links are shown only for http(s) URIs.
import { attrs, markup, type SafeHTML } from '../pages/ui/html.ts';
import { renderLayout, type Theme } from '../pages/ui/layout.ts';

export interface Chrome {
  theme: Theme;
  nonce: string;
  stylesheetHref: string;
  lang: string;
}

/** The standard scopes in plain words. A Map: a scope may be named `constructor` or `__proto__`. */
const SCOPE_WORDS: ReadonlyMap<string, string> = new Map([
  ['openid', 'Know who you are (your account ID)'],
  ['email', 'See your email address'],
  ['profile', 'See your name'],
  ['offline_access', 'Stay connected when you are not using it'],
  ['offline', 'Stay connected when you are not using it'],
  ['address', 'See your postal address'],
  ['phone', 'See your phone number'],
]);

/**
 * Each scope in plain words: the operator's wording (`hydra.scope_descriptions`) first, then the
 * standard scopes' own; any other scope is shown by name.
 */
export function scopeInWords(
  scope: string,
  descriptions: ReadonlyMap<string, string> = new Map(),
): string {
  return descriptions.get(scope) ?? SCOPE_WORDS.get(scope) ?? `Access “${scope}”`;
}

function httpLink(uri: string | undefined, text: string): SafeHTML | '' {
  if (!uri || !/^https?:\/\//i.test(uri)) return '';
  return markup`<a${attrs({ href: uri, rel: 'noopener noreferrer', target: '_blank' })}>${text}</a>`;
}

export interface ConsentPageInput extends Chrome {
  clientName: string;
  logoURI?: string;
  policyURI?: string;
  tosURI?: string;
  scopes: string[];
  /** The operator's wording per scope (`hydra.scope_descriptions`). */
  scopeDescriptions?: ReadonlyMap<string, string>;
  challenge: string;
  csrfToken: string;
  action: string;
}

export function renderConsentPage(input: ConsentPageInput): string {
  const links = [
    httpLink(input.policyURI, 'Privacy policy'),
    httpLink(input.tosURI, 'Terms of service'),
  ].filter(Boolean);
  const logo =
    input.logoURI && /^https:\/\//i.test(input.logoURI)
      ? markup`<p><img${attrs({ src: input.logoURI, alt: '', width: 48, height: 48 })}></p>`
      : '';
  const body = markup`${logo}<p><strong>${input.clientName}</strong> wants to:</p>
<ul class="scopes">${input.scopes.map((s) => markup`<li>${scopeInWords(s, input.scopeDescriptions)}</li>`)}</ul>
${links.length ? markup`<nav class="links">${links}</nav>` : ''}
<form method="post"${attrs({ action: input.action })}>
<input type="hidden" name="consent_challenge"${attrs({ value: input.challenge })}>
<input type="hidden" name="csrf_token"${attrs({ value: input.csrfToken })}>
<p><label><input type="checkbox" name="remember" value="true" checked> Remember my decision</label></p>
<p><button class="button button-primary" type="submit" name="action" value="accept">Allow</button>
<button class="button" type="submit" name="action" value="reject">Deny</button></p>
</form>`;
  return renderLayout({ ...input, title: `Allow ${input.clientName}?`, body });
}

export interface LogoutPageInput extends Chrome {
  clientName?: string;
  challenge: string;
  csrfToken: string;
  action: string;
}

export function renderLogoutPage(input: LogoutPageInput): string {
  const body = markup`<p>${input.clientName ? markup`<strong>${input.clientName}</strong> asks you to sign out.` : 'Do you want to sign out?'}</p>
<form method="post"${attrs({ action: input.action })}>
<input type="hidden" name="logout_challenge"${attrs({ value: input.challenge })}>
<input type="hidden" name="csrf_token"${attrs({ value: input.csrfToken })}>
<p><button class="button button-primary" type="submit" name="action" value="accept">Sign out</button>
<button class="button" type="submit" name="action" value="reject">Stay signed in</button></p>
</form>`;
  return renderLayout({ ...input, title: 'Sign out', body });
}
