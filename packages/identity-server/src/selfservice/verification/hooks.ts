// The verification pieces other flows call:
// - after registration (and after a settings change adds an address), Kratos's verification hook
//   mails a code to every new unverified address and answers `continue_with: show_verification_ui`;
// - the login hook `require_verified_address` refuses a login until an address is verified: a code
//   is mailed and the browser goes to verification (JSON: 403 session_verified_address_required
//   with continue_with), or with feature_flags.legacy_require_verified_login_error the form error
//   4000010 on the login flow.
import type { ServerContext, UIText } from '../../driver/context.ts';
import { KratosError } from '../../http/errors.ts';
import { json, redirect } from '../../http/respond.ts';
import type { Identity } from '../../persistence/types.ts';
import { CSRFProtection, type CSRFIssue } from '../flow/csrf.ts';
import { flowUIURL } from '../flow/respond.ts';
import { createAddressFlow } from '../strategy/code/address-flow.ts';
import { sendVerificationCode } from '../strategy/code/code-sender.ts';
import { validationText } from '../../text/index.ts';
import { carryOAuth2Login, type VerificationOAuth2Login } from './oauth2-continue.ts';

export interface ShowVerificationUI {
  action: 'show_verification_ui';
  flow: { id: string; verifiable_address: string; url: string };
}

export interface VerificationStart {
  identity: Identity;
  request: Request;
  type: 'browser' | 'api';
  returnTo?: string;
  /**
   * The CSRF secret the browser will hold after this response. Pass the freshly issued one when
   * the same response regenerates the CSRF cookie (as issuing a session does), or the verification
   * form would fail its CSRF check.
   */
  csrfIssue?: CSRFIssue;
  /** Only these addresses (e.g. the ones a settings change added); default: all unverified. */
  addresses?: string[];
  /**
   * A registration started with Hydra's login_challenge: every flow created carries it with the
   * identity, session and methods (Kratos hook/verification.go), accepted once verified.
   */
  oauth2Login?: VerificationOAuth2Login;
}

/**
 * Creates one verification flow per unverified email address, sends its code, and returns the
 * continue_with items. Returns [] when verification is disabled.
 */
export async function startVerification(
  ctx: ServerContext,
  start: VerificationStart,
): Promise<ShowVerificationUI[]> {
  if (!ctx.config.selfservice.flows.verification.enabled) return [];
  const csrf = new CSRFProtection(ctx.config);
  const wanted = start.addresses?.map((a) => a.toLowerCase());
  const out: ShowVerificationUI[] = [];
  for (const va of start.identity.verifiable_addresses) {
    const address = va.value.toLowerCase();
    if (va.verified || va.via !== 'email' || (wanted && !wanted.includes(address))) continue;
    const { flow } = createAddressFlow(ctx, csrf, 'verification', {
      type: start.type,
      request: start.request,
      requestPath: `/self-service/verification/${start.type}`,
      ...(start.returnTo ? { returnTo: start.returnTo } : {}),
      ...(start.csrfIssue ? { csrfIssue: start.csrfIssue } : {}),
    });
    // The identity is re-read per address so status updates of earlier ones are not lost.
    const identity = (await ctx.persister.getIdentity(start.identity.id)) ?? start.identity;
    await sendVerificationCode(ctx, csrf, flow, address, identity);
    if (start.oauth2Login) carryOAuth2Login(flow, start.oauth2Login);
    await ctx.persister.createFlow(flow);
    out.push({
      action: 'show_verification_ui',
      flow: { id: flow.id, verifiable_address: va.value, url: flowUIURL(ctx, flow) },
    });
  }
  return out;
}

/** True when the registration (or settings) flow is configured with the show_verification_ui hook. */
export function showsVerificationUI(hooks: string[] | undefined): boolean {
  return hooks?.includes('show_verification_ui') ?? false;
}

/**
 * Kratos hook/address_verifier.go (login hook `require_verified_address`): with the hook configured
 * for `method` (or globally), a login is refused with 4000010 unless some address is verified.
 */
export function requireVerifiedAddress(
  ctx: ServerContext,
  identity: Identity,
  method = 'password',
): UIText | undefined {
  const hooks = ctx.config.selfservice.flows.login.after_hooks ?? {};
  const configured = (hooks[method]?.length ? hooks[method] : hooks.global) ?? [];
  if (!configured.includes('require_verified_address')) return undefined;
  return identity.verifiable_addresses.some((va) => va.verified)
    ? undefined
    : validationText.addressNotVerified();
}

/**
 * Kratos hook/address_verifier.go without the legacy flag: a verification flow with a freshly
 * mailed code for the unverified address, then JSON clients get 403 session_verified_address_required
 * with `continue_with: show_verification_ui` and browsers are sent to that flow. No session is issued.
 * Undefined when verification is disabled (the caller falls back to the 4000010 form error).
 */
export async function verifyBeforeLogin(
  ctx: ServerContext,
  start: VerificationStart & { json: boolean },
): Promise<Response | undefined> {
  const [first] = await startVerification(ctx, { ...start, addresses: undefined });
  if (!first) return undefined;
  if (!start.json) return redirect(first.flow.url, 303);
  const err = new KratosError(403, 'your email or phone address is not yet verified', {
    id: 'session_verified_address_required',
    reason:
      "Your account's email or phone address are not verified yet. Please check your email or phone inbox or re-request verification.",
    extra: { continue_with: [first] },
  });
  return json(err.toBody(), 403);
}
