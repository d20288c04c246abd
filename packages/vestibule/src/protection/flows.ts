// The pipeline for the flows other than login: registration (captcha, audit), recovery and
// verification (sends throttled per address and per identifier against mail bombing, code
// submissions per flow and per address against code guessing), settings (audit and notices for a
// changed password or email address, the old address captured before the change is forwarded).
import type { Reservation } from './attempts.ts';
import { normaliseIdentifier } from './keys.ts';
import type { ThrottleRules } from './options.ts';
import { outcomeOf } from './outcome.ts';
import {
  auditBase,
  identityAfter,
  runCaptcha,
  whoami,
  type PipelineDeps,
  type SubmitScope,
} from './scope.ts';
import type { SecurityNotice } from './notifier.ts';
import { tooManyAttempts } from './refusals.ts';

export async function protectOtherFlow(deps: PipelineDeps, scope: SubmitScope): Promise<Response> {
  switch (scope.submit.flow) {
    case 'registration':
      return protectRegistration(deps, scope);
    case 'recovery':
    case 'verification':
      return protectCodeFlow(deps, scope, scope.submit.flow);
    default:
      return protectSettings(deps, scope);
  }
}

async function protectRegistration(deps: PipelineDeps, scope: SubmitScope): Promise<Response> {
  const refusal = await runCaptcha(deps, scope, deps.options.captcha?.registration === true);
  if (refusal) return refusal;
  const response = await scope.forward();
  const outcome = await outcomeOf(response, scope.submit, deps.options.sessionCookie);
  if (outcome.result === 'accepted') {
    await deps.options.audit.record({
      ...auditBase(scope, scope.fields.email),
      event: 'registration_succeeded',
      identityId: outcome.identityId,
    });
  }
  return response;
}

async function protectCodeFlow(
  deps: PipelineDeps,
  scope: SubmitScope,
  flow: 'recovery' | 'verification',
): Promise<Response> {
  const { counters, rules, audit, sessionCookie } = deps.options;
  const r: ThrottleRules = rules[flow];
  const isCode = scope.fields.code !== undefined;
  const email = scope.fields.email;
  const checks: Array<Promise<Reservation>> = [];
  if (isCode) {
    if (scope.submit.flowId)
      checks.push(counters.hit(`${flow}:code:flow`, scope.submit.flowId, r.codePerFlow));
    checks.push(counters.hit(`${flow}:code:address`, scope.addressKey, r.codePerAddress));
  } else if (email) {
    checks.push(
      counters.hit(`${flow}:send:identifier`, normaliseIdentifier(email), r.sendPerIdentifier),
    );
    checks.push(counters.hit(`${flow}:send:address`, scope.addressKey, r.sendPerAddress));
  }
  const refused = (await Promise.all(checks)).find((c) => !c.allowed);
  if (refused && !refused.allowed) return tooManyAttempts(scope.refusal, refused.retryAfterMs);
  const needsCaptcha =
    flow === 'recovery' && !isCode && !!email && deps.options.captcha?.recovery === true;
  const captchaRefusal = await runCaptcha(deps, scope, needsCaptcha);
  if (captchaRefusal) return captchaRefusal;
  const response = await scope.forward();
  if (flow !== 'recovery' || response.status >= 500) return response;
  if (!isCode && email) {
    await audit.record({ ...auditBase(scope, email), event: 'recovery_requested' });
    return response;
  }
  const outcome = await outcomeOf(response, scope.submit, sessionCookie);
  // A recovery code that worked signs the browser in: the answer sets the session cookie.
  if (isCode && outcome.result === 'accepted') {
    const identity = await identityAfter(deps, response);
    await audit.record({
      ...auditBase(scope, undefined),
      event: 'recovery_succeeded',
      identityId: identity?.id,
    });
    if (identity?.email)
      await notify(deps, scope, {
        kind: 'account_recovered',
        to: identity.email,
        identityId: identity.id,
      });
  }
  return response;
}

async function protectSettings(deps: PipelineDeps, scope: SubmitScope): Promise<Response> {
  const method = scope.fields.method;
  const watched = method === 'password' || method === 'profile';
  // Before forwarding: after an email change, whoami only knows the new address.
  const before = watched ? await whoami(deps, scope.request.headers) : undefined;
  const response = await scope.forward();
  if (!before || response.status >= 500) return response;
  const flow = await settingsFlowAfter(deps, scope, response);
  if (flow?.state !== 'success') return response;
  const base = { ...auditBase(scope, undefined), identityId: before.id };
  if (method === 'password') {
    await deps.options.audit.record({ ...base, event: 'password_changed' });
    if (before.email)
      await notify(deps, scope, {
        kind: 'password_changed',
        to: before.email,
        identityId: before.id,
      });
  } else if (before.email && flow.email && flow.email !== before.email) {
    await deps.options.audit.record({ ...base, event: 'email_changed' });
    await notify(deps, scope, {
      kind: 'email_changed',
      to: before.email,
      identityId: before.id,
      newEmail: flow.email,
    });
  }
  return response;
}

interface SettingsState {
  state?: unknown;
  email?: string;
}

/** The settings flow after the submit: from the JSON answer, else asked of Kratos (browser 303). */
async function settingsFlowAfter(
  deps: PipelineDeps,
  scope: SubmitScope,
  response: Response,
): Promise<SettingsState | undefined> {
  if (response.status === 200) return readSettings(response.clone());
  if (response.status < 300 || response.status >= 400 || !scope.submit.flowId) return undefined;
  const url = new URL(scope.request.url);
  url.pathname = `${deps.options.prefix}/self-service/settings/flows`;
  url.search = `?id=${encodeURIComponent(scope.submit.flowId)}`;
  const headers = new Headers({ accept: 'application/json' });
  for (const name of ['cookie', 'authorization', 'x-session-token']) {
    const value = scope.request.headers.get(name);
    if (value) headers.set(name, value);
  }
  try {
    const answer = await deps.proxy(new Request(url, { headers }), scope.context);
    return answer.ok ? readSettings(answer) : undefined;
  } catch {
    return undefined;
  }
}

async function readSettings(response: Response): Promise<SettingsState | undefined> {
  try {
    const body = (await response.json()) as {
      state?: unknown;
      identity?: { traits?: { email?: unknown } };
    };
    const email = body.identity?.traits?.email;
    return { state: body.state, ...(typeof email === 'string' ? { email } : {}) };
  } catch {
    return undefined;
  }
}

async function notify(
  deps: PipelineDeps,
  scope: SubmitScope,
  notice: Omit<SecurityNotice, 'at' | 'requestId'>,
): Promise<void> {
  if (!deps.options.notifier) return;
  try {
    await deps.options.notifier.notify({
      ...notice,
      at: new Date(deps.options.now()),
      requestId: scope.context.requestId,
    });
  } catch (err) {
    // Kratos already made the change; a mail that could not be queued is logged, not undone.
    scope.context.log.error('security notification failed', { kind: notice.kind, err });
  }
}
