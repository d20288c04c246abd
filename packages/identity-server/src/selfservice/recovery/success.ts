// A solved recovery challenge (Kratos strategy_recovery.go recoveryIssueSession): the address is
// marked verified (self-service codes only), the user gets a fresh *privileged* session (method
// `code_recovery`) and a settings flow to set a new password; the CSRF secret is regenerated; with
// the `revoke_active_sessions` after hook every other session of the identity is revoked.
// Browsers are sent to the settings UI. JSON and API clients: with
// `feature_flags.use_continue_with_transitions` the recovery flow with `continue_with:
// show_settings_ui` (and the session token for API flows); without it (Kratos's default) 422
// browser_location_change_required whose `redirect_browser_to` is the settings UI — the session
// cookie is set either way, and an API client gets no token then, exactly as in Kratos.
import type { ServerContext } from '../../driver/context.ts';
import { json, redirect } from '../../http/respond.ts';
import type { Identity } from '../../persistence/types.ts';
import { issueSession, sessionCookie } from '../../session/manager.ts';
import { afterHooks, afterWebHooks } from '../../config/hooks.ts';
import { runHooksReportingErrors } from '../hook/web-hook.ts';
import { destroyOtherSessions } from '../hook/session-destroyer.ts';
import { flowUIURL } from '../flow/respond.ts';
import { browserLocationChangeRequired } from '../flow/location-change.ts';
import { createSettingsFlow } from '../settings/flow.ts';
import { retryWithMessage } from '../strategy/code/address-flow.ts';
import { challengeOf } from '../strategy/code/challenge.ts';
import type { Submission } from '../flow/submission.ts';
import { recoveryText } from '../../text/index.ts';

async function markAddressVerified(ctx: ServerContext, identity: Identity, address: string) {
  const at = ctx.clock.now().toISOString();
  let changed = false;
  for (const va of identity.verifiable_addresses) {
    if (va.value.toLowerCase() === address && !va.verified) {
      Object.assign(va, { verified: true, status: 'completed', verified_at: at, updated_at: at });
      changed = true;
    }
  }
  if (changed) await ctx.persister.updateIdentity(identity);
}

export async function completeRecovery(s: Submission): Promise<Response> {
  const { ctx, csrf, flow, request } = s;
  const challenge = challengeOf(flow);
  const identity = challenge?.identity_id
    ? await ctx.persister.getIdentity(challenge.identity_id)
    : undefined;
  if (!challenge || !identity || identity.state !== 'active') {
    return retryWithMessage(s, recoveryText.recoveryCodeInvalid());
  }
  if (challenge.origin === 'self_service')
    await markAddressVerified(ctx, identity, challenge.address);

  const fresh =
    flow.type === 'browser' ? csrf.issue(new Request('http://csrf.invalid/')) : undefined;
  flow.body.state = 'passed_challenge';
  delete (flow.body.ui as { messages?: unknown }).messages;
  if (fresh) flow.csrf_token = fresh.secret;

  const issued = await issueSession(ctx, {
    identity,
    method: 'code_recovery',
    request,
    clientAddress: s.clientAddress,
  });
  await destroyOtherSessions(ctx, afterHooks(ctx.config, 'recovery'), issued.session, 'recovery');
  await runHooksReportingErrors(ctx, afterWebHooks(ctx.config, 'recovery'));
  const now = ctx.clock.now();
  const privilegedUntil = new Date(
    Date.parse(issued.session.authenticated_at) +
      ctx.config.selfservice.flows.settings.privileged_session_max_age_ms,
  );
  const returnTo = typeof flow.body.return_to === 'string' ? flow.body.return_to : undefined;
  const { flow: settings } = createSettingsFlow(ctx, csrf, {
    type: flow.type,
    request,
    identity,
    session: issued.session,
    ...(returnTo ? { returnTo } : {}),
    messages: [recoveryText.recoverySuccessful(privilegedUntil, now)],
    ...(fresh ? { csrfIssue: fresh } : {}),
  });
  await ctx.persister.createFlow(settings);

  const settingsURL = flowUIURL(ctx, settings);
  const showSettings = { action: 'show_settings_ui', flow: { id: settings.id, url: settingsURL } };
  // The stored flow never holds the session token: API flows can be fetched by id alone.
  flow.body.continue_with = [showSettings];
  flow.body.updated_at = now.toISOString();
  await ctx.persister.updateFlow(flow);
  const body =
    flow.type === 'api'
      ? {
          ...flow.body,
          continue_with: [
            { action: 'set_ory_session_token', ory_session_token: issued.token },
            showSettings,
          ],
        }
      : flow.body;
  ctx.log('info', 'identity recovered', { identity_id: identity.id, flow_id: flow.id });

  const headers = new Headers();
  if (flow.type === 'browser') {
    headers.append('set-cookie', sessionCookie(ctx, issued.token, issued.session));
    if (fresh?.setCookie) headers.append('set-cookie', fresh.setCookie);
  }
  if (!s.json) return redirect(settingsURL, 303, headers);
  if (ctx.config.feature_flags?.use_continue_with_transitions) return json(body, 200, headers);
  const moved = browserLocationChangeRequired(settingsURL).toBody();
  return json(moved, 422, headers);
}
