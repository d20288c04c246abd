// Hydra's login and consent model on oidc-provider's interactions. Hydra sends *every*
// authorization through the login app and then the consent app (with `skip: true` when it
// remembers the subject or the consent); oidc-provider only prompts when something is missing.
// One extra check per prompt asks for the interaction until the app has answered it, except with
// `prompt=none`, where oidc-provider's own checks decide (login_required / consent_required, as
// Hydra answers when nothing is remembered).
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { CONSENT_APP_REASON, LOGIN_APP_REASON } from '../flow/markers.ts';

const { base, Check } = interactionPolicy;

function answered(ctx: KoaContextWithOIDC, prompt: 'login' | 'consent'): boolean {
  return ctx.oidc.prompts.has('none') || Boolean(ctx.oidc.result?.[prompt]);
}

export function hydraInteractionPolicy(): interactionPolicy.DefaultPolicy {
  const policy = base();
  policy
    .get('login')!
    .checks.add(
      new Check(LOGIN_APP_REASON, 'the login app decides every authentication', (ctx) =>
        answered(ctx, 'login') ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
      ),
    );
  // Once the consent app answered, its grant is the answer (Hydra issues tokens for the granted
  // scopes, fewer than requested or not): oidc-provider's own "scopes missing" checks would
  // otherwise send the browser back to the consent app.
  const consent = policy.get('consent')!;
  for (const check of consent.checks) {
    const original = check.check.bind(check);
    check.check = (ctx) => (ctx.oidc.result?.consent ? Check.NO_NEED_TO_PROMPT : original(ctx));
  }
  consent.checks.add(
    new Check(CONSENT_APP_REASON, 'the consent app decides every authorization', (ctx) =>
      answered(ctx, 'consent') ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
    ),
  );
  return policy;
}

/** `urls.login?login_challenge=<uid>` or `urls.consent?consent_challenge=<uid>`. */
export function interactionURL(
  urls: { login: string; consent: string },
  prompt: string,
  uid: string,
): string {
  const isLogin = prompt === 'login';
  const url = new URL(isLogin ? urls.login : urls.consent);
  url.searchParams.set(isLogin ? 'login_challenge' : 'consent_challenge', uid);
  return url.href;
}
