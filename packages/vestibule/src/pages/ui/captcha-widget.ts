// The captcha widget on the login, registration and recovery forms when the edge verifies captchas
// (issue 12): the provider's script (tagged with the response's CSP nonce) and its widget element,
// placed right above the form's first submit button. The widget fills the provider's response field
// in the same form; the edge's submit pipeline reads it before anything reaches Kratos.
// reCAPTCHA v3 has no widget: a small nonce'd script asks `grecaptcha.execute` for a token when the
// form is submitted, then submits again with the same button.
import { PROVIDERS, type CaptchaCSPSources } from '../../captcha/providers.ts';
import type { CaptchaProvider } from '../../captcha/verifier.ts';
import { attrs, markup, unsafeRaw, type SafeHTML } from './html.ts';

export interface CaptchaWidgetConfig {
  provider: CaptchaProvider;
  siteKey: string;
  /** `local` only: the local verifier's origin, which serves the widget script and its tokens. */
  localVerifierURL?: string;
}

/** Runs before the pages' own submit handler (it is earlier in the document, same capture phase). */
const RECAPTCHA_V3_SCRIPT = `(function(){
"use strict";
document.addEventListener("submit",function(e){var f=e.target;
if(!(f instanceof HTMLFormElement))return;var field=f.querySelector("input[data-vestibule-recaptcha]");
if(!field||field.value||typeof grecaptcha==="undefined")return;
e.preventDefault();e.stopImmediatePropagation();var s=e.submitter;
grecaptcha.ready(function(){grecaptcha.execute(field.getAttribute("data-sitekey"),{action:field.getAttribute("data-action")})
.then(function(t){field.value=t;f.requestSubmit(s&&s.form===f?s:undefined)})})},true);
})();`;

/** The widget markup for one form; `action` names the flow (reCAPTCHA v3 / Turnstile analytics). */
export function renderCaptchaWidget(
  config: CaptchaWidgetConfig,
  nonce: string,
  action: string,
): SafeHTML {
  const { siteKey } = config;
  const script = (src: string, extra: Record<string, boolean> = { async: true, defer: true }) =>
    markup`<script${attrs({ src, nonce, ...extra })}></script>`;
  switch (config.provider) {
    case 'turnstile':
      return markup`<div class="captcha">${script(PROVIDERS.turnstile.scriptSrc)}<div${attrs({
        class: 'cf-turnstile',
        'data-sitekey': siteKey,
        'data-action': action,
        'data-response-field-name': PROVIDERS.turnstile.responseField,
      })}></div></div>`;
    case 'hcaptcha':
      return markup`<div class="captcha">${script(PROVIDERS.hcaptcha.scriptSrc)}<div${attrs({
        class: 'h-captcha',
        'data-sitekey': siteKey,
      })}></div></div>`;
    case 'recaptcha_v3': {
      const src = `${PROVIDERS.recaptcha_v3.scriptSrc}?render=${encodeURIComponent(siteKey)}`;
      return markup`<div class="captcha">${script(src, {})}<input${attrs({
        type: 'hidden',
        name: PROVIDERS.recaptcha_v3.responseField,
        'data-vestibule-recaptcha': true,
        'data-sitekey': siteKey,
        'data-action': action,
      })}><script${attrs({ nonce })}>${unsafeRaw(RECAPTCHA_V3_SCRIPT)}</script></div>`;
    }
    case 'local':
      return markup`<div class="captcha">${script(
        `${config.localVerifierURL ?? ''}${PROVIDERS.local.scriptSrc}`,
      )}<div${attrs({ class: 'vestibule-local-captcha', 'data-sitekey': siteKey })}></div></div>`;
  }
}

/** What the page's CSP must allow for this widget, and nothing when captcha is off. */
export function captchaCSPSources(config: CaptchaWidgetConfig | undefined): CaptchaCSPSources {
  if (!config) return { script: [], frame: [], connect: [], style: [] };
  if (config.provider === 'local') {
    const origin = new URL(config.localVerifierURL ?? 'invalid:').origin;
    return { script: [origin], frame: [], connect: [origin], style: [] };
  }
  return PROVIDERS[config.provider].csp;
}
