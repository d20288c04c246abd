// The verification leg of Kratos's oauth2_provider integration (kratos hook/verification.go
// ExecutePostRegistrationPostPersistHook, selfservice/flow/verification/flow.go and handler.go): a
// registration started with Hydra's login_challenge hands the challenge — with the identity, the
// session and its methods — to the verification flows it creates. The challenge stays server-side
// (Kratos: `json:"-"`; the verificationFlow schema has no oauth2_login_challenge). Once the address
// is verified, submitting the finished flow again (its "Continue") accepts Hydra's login request for
// that identity and sends the browser to Hydra's redirect_to.
import type { ServerContext } from '../../driver/context.ts';
import { json, redirect } from '../../http/respond.ts';
import { publicURL } from '../../http/url.ts';
import { acceptLoginRequest } from '../../hydra/hydra.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import { noActiveSession } from '../../session/errors.ts';
import { resolveSession } from '../../session/manager.ts';
import { forwardError } from '../errors/manager.ts';
import { csrfViolation } from '../flow/lifecycle.ts';
import { browserLocationChangeRequired } from '../flow/location-change.ts';
import type { Submission } from '../flow/submission.ts';

/** What the registration hands over (Kratos: OAuth2LoginChallenge + OAuth2LoginChallengeParams). */
export interface VerificationOAuth2Login {
  challenge: string;
  identity_id: string;
  /** Absent when the registration issued no session (no `session` hook). */
  session_id?: string;
  /** The session's methods, in order (Hydra's amr). */
  amr: Array<{ method: string }>;
}

const KEY = 'oauth2_login';

/** Stores the hand-over in the flow's server-side part, never in the wire body. */
export function carryOAuth2Login(flow: FlowRecord, login: VerificationOAuth2Login): void {
  flow.internal[KEY] = { ...login, amr: login.amr.map((m) => ({ method: m.method })) };
}

/** The hand-over a verification flow carries, if any. */
export function oauth2LoginOf(flow: FlowRecord): VerificationOAuth2Login | undefined {
  const stored = flow.internal[KEY] as Partial<VerificationOAuth2Login> | undefined;
  if (!stored || typeof stored.challenge !== 'string' || !stored.challenge) return undefined;
  if (typeof stored.identity_id !== 'string' || !stored.identity_id) return undefined;
  return {
    challenge: stored.challenge,
    identity_id: stored.identity_id,
    ...(typeof stored.session_id === 'string' ? { session_id: stored.session_id } : {}),
    amr: Array.isArray(stored.amr) ? stored.amr : [],
  };
}

/**
 * Where a finished browser flow's "Continue" points when it carries a challenge: the flow's own
 * submit URL, which accepts the challenge (Kratos's handler accepts on a submit of a passed flow).
 * Undefined for flows that go to the ordinary return URL.
 */
export function oauth2ContinueURL(ctx: ServerContext, flow: FlowRecord): string | undefined {
  if (flow.type !== 'browser' || !oauth2LoginOf(flow)) return undefined;
  const url = new URL(publicURL(ctx.config.serve.public.base_url, '/self-service/verification'));
  url.searchParams.set('flow', flow.id);
  return url.toString();
}

/**
 * A submit (form post, SPA, or the Continue link's GET) of a finished browser flow that carries a
 * challenge: accept Hydra's login request for the verified identity and send the browser there —
 * 303, or 422 browser_location_change_required for a SPA. Undefined when the flow is not such a
 * flow (the ordinary pipeline goes on).
 *
 * Fails closed where Kratos does not look (docs/fidelity.md): the request must come with the very
 * session that was handed over, still active — the browser that registered — so a leaked flow id
 * (it travels in URLs) cannot spend the challenge elsewhere, and a session that ended meanwhile is
 * not handed to Hydra. A registration that issued no session binds the flow to its CSRF cookie.
 */
export async function answerOAuth2Continue(s: Submission): Promise<Response | undefined> {
  const { ctx, flow } = s;
  const finished = !!flow.consumed_at || flow.body.state === 'passed_challenge';
  const login = flow.type === 'browser' && finished ? oauth2LoginOf(flow) : undefined;
  if (!login) return undefined;
  try {
    if (login.session_id) {
      const current = await resolveSession(ctx, s.request);
      if (current?.session.id !== login.session_id) throw noActiveSession();
    } else {
      if (!s.csrf.cookieMatches(s.request, flow.csrf_token)) {
        throw csrfViolation(s.csrf.rejectionDetails(s.request, 'absent'));
      }
      const identity = await ctx.persister.getIdentity(login.identity_id);
      if (identity?.state !== 'active') throw noActiveSession();
    }
    const to = await acceptLoginRequest(ctx.config, {
      loginChallenge: login.challenge,
      identityId: login.identity_id,
      ...(login.session_id ? { sessionId: login.session_id } : {}),
      methods: login.amr.length ? login.amr : [{ method: 'password' }],
    });
    return s.json ? json(browserLocationChangeRequired(to).toBody(), 422) : redirect(to, 303);
  } catch (err) {
    return forwardError(ctx, s.request, s.requestId, err, { json: s.json });
  }
}
