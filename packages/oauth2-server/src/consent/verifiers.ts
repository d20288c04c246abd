// Hydra's login and consent verifiers. Accepting (or rejecting) a login or consent request answers
// `redirect_to` with a one-time random verifier that only the browser sent there learns. Without
// it, oidc-provider's resume URL (`/oauth2/auth/<uid>`) is derivable from the challenge alone: an
// attacker who started an authorization in their own browser (holding its interaction cookie)
// could have a victim sign in for that challenge, then resume it themselves as the victim. Hydra
// refuses a missing, wrong or used verifier with `access_denied` at the client's redirect URI
// (consent/strategy_default.go verifyAuthentication/verifyConsent).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Provider from 'oidc-provider';
import { remainingTTL, type InteractionRecord } from './request-view.ts';

type Kind = 'login' | 'consent';

const RESULT_KEY: Record<Kind, string> = {
  login: 'hydraLoginVerifier',
  consent: 'hydraConsentVerifier',
};

/**
 * Stores a verifier in the interaction's result (the one of an earlier accept of the same request,
 * so a repeated accept answers the same `redirect_to`, as Hydra's) and returns `redirect_to`.
 * Call after setting `interaction.result`, before saving it.
 */
export function redirectWithVerifier(
  interaction: InteractionRecord,
  kind: Kind,
  previous: Record<string, unknown> | undefined,
): string {
  const key = RESULT_KEY[kind];
  const kept = previous?.[key];
  const verifier =
    typeof kept === 'string' && kept !== '' ? kept : randomBytes(32).toString('base64url');
  interaction.result = { ...interaction.result, [key]: verifier };
  const url = new URL(interaction.returnTo);
  url.searchParams.set(`${kind}_verifier`, verifier);
  return url.href;
}

interface ResumeContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  status: number;
  body: unknown;
  redirect(url: string): void;
}

const RESUME_PATH = /^\/oauth2\/auth\/([\w-]{1,200})$/;

/**
 * Before oidc-provider resumes an answered interaction: the verifier of its prompt must be the one
 * stored at accept or reject, and is used up. Refused → 303 to the client's redirect URI with
 * `access_denied` (and `state`), as Hydra. True when the request was answered here.
 */
export async function refuseWithoutVerifier(
  provider: Provider,
  ctx: ResumeContext,
): Promise<boolean> {
  const resume = ctx.method === 'GET' ? RESUME_PATH.exec(ctx.path) : null;
  if (!resume) return false;
  const interaction = (await provider.Interaction.find(resume[1]!)) as
    (InteractionRecord & { destroy(): Promise<void> }) | undefined;
  // Unknown or unanswered: oidc-provider's own answer (session not found, or prompt again).
  if (!interaction?.result || Object.keys(interaction.result).length === 0) return false;
  const kind: Kind = interaction.prompt?.name === 'consent' ? 'consent' : 'login';
  const expected = interaction.result[RESULT_KEY[kind]];
  const sent = ctx.query[`${kind}_verifier`];
  if (typeof expected === 'string' && typeof sent === 'string' && sameSecret(expected, sent)) {
    // One use: a second resume with the same URL finds no verifier.
    const rest = { ...interaction.result };
    delete rest[RESULT_KEY[kind]];
    interaction.result = rest;
    await interaction.save(remainingTTL(interaction));
    return false;
  }
  const target = clientErrorURL(interaction.params, kind);
  if (target) {
    ctx.status = 303;
    ctx.redirect(target);
  } else {
    ctx.status = 403;
    ctx.body = { error: 'access_denied', error_description: VERIFIER_REFUSED(kind) };
  }
  return true;
}

const VERIFIER_REFUSED = (kind: Kind) =>
  `The resource owner or authorization server denied the request. The ${kind} verifier has already been used, has not been granted, or is invalid.`;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The client's redirect URI (validated by oidc-provider when the authorization began). */
function clientErrorURL(params: Record<string, unknown>, kind: Kind): string | undefined {
  if (typeof params.redirect_uri !== 'string') return undefined;
  const url = new URL(params.redirect_uri);
  url.searchParams.set('error', 'access_denied');
  url.searchParams.set('error_description', VERIFIER_REFUSED(kind));
  if (typeof params.state === 'string') url.searchParams.set('state', params.state);
  return url.href;
}
