// /login, /registration, /recovery, /verification, /settings: start the flow through the proxy, or
// fetch it server-side (forwarding the browser's Cookie) and render it; Kratos errors go through the
// decision table in flow-errors.ts, restarts through the circuit breaker.
import { readCookie } from '../lib/cookies.ts';
import { VestibuleError } from '../lib/errors.ts';
import {
  chromeOf,
  errorResult,
  safeLocation,
  type PagesDeps,
  type RequestScope,
} from './context.ts';
import { continueWithTarget } from './continue-with.ts';
import { initParamsOfFlow, pickInitParams } from './flow-context.ts';
import { decideFlowError, type FlowOutcome, type NoticeId } from './flow-errors.ts';
import type { PageResult } from './respond.ts';
import { isRenderableFlow, type FlowType, type RawFlow } from './ui/flow-types.ts';
import { captchaCSPSources, renderCaptchaWidget } from './ui/captcha-widget.ts';
import { IdAllocator } from './ui/nodes.ts';
import { renderFlowPage, type PageNotice } from './ui/pages.ts';
import type { PageTextKey } from './ui/texts.ts';
import { safeURL } from './ui/safe-url.ts';

const FLOW_ID = /^[A-Za-z0-9-]{1,64}$/;
const NOTICE_COOKIE = 'vestibule_notice';
const NOTICES: Record<NoticeId, PageTextKey> = {
  return_to_forbidden: 'vestibule.notice.return_to_forbidden',
};

export async function handleFlowPage(
  flowType: FlowType,
  deps: PagesDeps,
  scope: RequestScope,
): Promise<PageResult> {
  const flowId = scope.url.searchParams.get('flow');
  if (!flowId) {
    const params = pickInitParams(flowType, scope.url.searchParams);
    const remembered = deps.flowContext.remember(flowType, params, undefined, scope);
    return {
      kind: 'redirect',
      location: deps.routes.init(flowType, params),
      cookies: remembered ? [remembered] : [],
    };
  }
  if (!FLOW_ID.test(flowId))
    return applyOutcome(
      flowType,
      undefined,
      { kind: 'restart', reason: 'malformed_flow_id' },
      deps,
      scope,
    );

  const result = await deps.kratos.getFlow(flowType, flowId, scope.cookie ?? undefined);
  if (!result.ok) {
    const outcome = decideFlowError(result.status, result.body, {
      flowType,
      pageURL: scope.url,
      routes: deps.routes,
      toSameOrigin: scope.toSameOrigin,
      defaultReturnTo: deps.options.defaultReturnTo,
    });
    scope.log.info('kratos refused the flow', {
      flow_type: flowType,
      status: result.status,
      outcome: outcome.kind,
      reason: outcome.reason,
    });
    return applyOutcome(flowType, flowId, outcome, deps, scope);
  }
  if (!isRenderableFlow(result.body)) {
    throw new VestibuleError(
      'KRATOS_BAD_RESPONSE',
      `kratos returned a ${flowType} flow without ui nodes`,
      { status: 502 },
    );
  }
  return renderOrContinue(flowType, result.body, deps, scope);
}

async function renderOrContinue(
  flowType: FlowType,
  flow: RawFlow,
  deps: PagesDeps,
  scope: RequestScope,
): Promise<PageResult> {
  const cookies: string[] = [];
  const reset = deps.breaker.reset(scope.cookie, scope.secure);
  if (reset) cookies.push(reset);
  // Bind what this flow was started with to its id, for a restart if its next fetch fails.
  const started = initParamsOfFlow(flowType, flow.request_url);
  const remembered = deps.flowContext.remember(
    flowType,
    started,
    FLOW_ID.test(flow.id) ? flow.id : undefined,
    scope,
  );
  if (remembered) cookies.push(remembered);
  const next = await continueWithTarget(flow, {
    flowType,
    routes: deps.routes,
    toSameOrigin: scope.toSameOrigin,
  });
  if (next)
    return {
      kind: 'redirect',
      location: safeLocation(next, deps.options.defaultReturnTo),
      cookies,
    };

  const notices: PageNotice[] = [];
  // Our own cookie, never quoted: read exactly as sent, like the other pages cookies.
  const notice = readCookie(scope.cookie, NOTICE_COOKIE, { unquote: false });
  if (notice !== null) {
    const known = noticeOf(notice);
    if (known) notices.push(known);
    cookies.push(noticeCookie('', 0, scope.secure));
  }
  const action = safeURL(flow.ui.action, scope.toSameOrigin, { allowDataImage: false });
  if (!action) {
    throw new VestibuleError(
      'KRATOS_BAD_RESPONSE',
      `kratos returned a ${flowType} flow with an unusable ui.action`,
      { status: 502 },
    );
  }
  const captcha = deps.options.captcha?.flows.has(flowType) ? deps.options.captcha : undefined;
  const body = renderFlowPage({
    ...chromeOf(deps, scope),
    flow,
    flowType,
    action,
    forms: {
      texts: deps.texts,
      nonce: scope.nonce,
      toSameOrigin: scope.toSameOrigin,
      ids: new IdAllocator(),
      ...(captcha ? { captchaWidget: renderCaptchaWidget(captcha, scope.nonce, flowType) } : {}),
    },
    links: linksFor(flowType, flow, deps),
    notices,
  });
  const frameSources = thirdPartyScriptOrigins(flow, scope);
  return {
    kind: 'html',
    status: 200,
    body,
    nonce: scope.nonce,
    cookies,
    frameSources,
    ...(captcha ? { captchaSources: captchaCSPSources(captcha) } : {}),
  };
}

function applyOutcome(
  flowType: FlowType,
  flowId: string | undefined,
  outcome: FlowOutcome,
  deps: PagesDeps,
  scope: RequestScope,
): PageResult {
  switch (outcome.kind) {
    case 'redirect':
      return {
        kind: 'redirect',
        location: safeLocation(outcome.location, deps.options.defaultReturnTo),
      };
    case 'error':
      return errorResult(deps, scope, outcome.status, deps.texts.page(outcome.messageKey));
    case 'restart': {
      const decision = deps.breaker.next(scope.cookie, scope.secure);
      if (!decision.allowed) {
        scope.log.warn('flow restart loop stopped', {
          flow_type: flowType,
          reason: outcome.reason,
        });
        return errorResult(deps, scope, 409, deps.texts.page('vestibule.error.restart_loop'), [
          decision.setCookie,
        ]);
      }
      const cookies = [decision.setCookie];
      if (outcome.notice) cookies.push(noticeCookie(outcome.notice, 300, scope.secure));
      const params = restartParams(flowType, flowId, outcome, deps, scope);
      // Unbound: the next flow's id is not known yet, and its first fetch may fail again.
      const remembered = deps.flowContext.remember(flowType, params, undefined, scope);
      if (remembered) cookies.push(remembered);
      const location = outcome.useFlowId
        ? deps.routes.page(flowType, { flow: outcome.useFlowId })
        : deps.routes.init(flowType, params);
      return { kind: 'redirect', location, cookies };
    }
  }
}

/**
 * What the restarted flow is initialised with: the page URL's init parameters when it has any, else
 * what the pages remembered for this flow, else the `return_to` Kratos reported in the error.
 */
function restartParams(
  flowType: FlowType,
  flowId: string | undefined,
  outcome: Extract<FlowOutcome, { kind: 'restart' }>,
  deps: PagesDeps,
  scope: RequestScope,
): URLSearchParams {
  let params = pickInitParams(flowType, scope.url.searchParams);
  if (params.size === 0) params = deps.flowContext.recall(flowType, flowId, scope.cookie) ?? params;
  if (params.size === 0 && outcome.returnTo) {
    params = pickInitParams(flowType, new URLSearchParams({ return_to: outcome.returnTo }));
  }
  if (outcome.dropReturnTo) params.delete('return_to');
  return params;
}

function linksFor(
  flowType: FlowType,
  flow: RawFlow,
  deps: PagesDeps,
): Array<{ href: string; key: PageTextKey }> {
  const r = deps.routes;
  const returnTo =
    typeof flow.return_to === 'string' && flow.return_to ? flow.return_to : undefined;
  switch (flowType) {
    case 'login':
      if (flow.refresh === true || flow.requested_aal === 'aal2')
        return [{ href: r.page('logout'), key: 'vestibule.link.logout' }];
      return [
        { href: r.page('recovery', { return_to: returnTo }), key: 'vestibule.link.recovery' },
        {
          href: r.page('registration', { return_to: returnTo }),
          key: 'vestibule.link.registration',
        },
      ];
    case 'registration':
      return [{ href: r.page('login', { return_to: returnTo }), key: 'vestibule.link.login' }];
    case 'recovery':
    case 'verification':
      return [
        { href: r.page('login', { return_to: returnTo }), key: 'vestibule.link.back_to_login' },
      ];
    case 'settings':
      return [
        { href: deps.options.defaultReturnTo, key: 'vestibule.link.home' },
        { href: r.page('logout'), key: 'vestibule.link.logout' },
      ];
  }
}

/**
 * The notice cookie's value: a known id, or `too_many_attempts.<minutes>` set by the edge's login
 * protection. Anyone can set this cookie for themselves only, so it carries nothing but a number.
 */
function noticeOf(value: string): PageNotice | undefined {
  if (value in NOTICES) return { key: NOTICES[value as NoticeId] };
  const lockout = /^too_many_attempts\.(\d{1,4})$/.exec(value);
  if (lockout)
    return { key: 'vestibule.notice.too_many_attempts', context: { minutes: Number(lockout[1]) } };
  if (value === 'captcha_failed') return { key: 'vestibule.notice.captcha_failed' };
  if (value === 'captcha_unavailable') return { key: 'vestibule.notice.captcha_unavailable' };
  return undefined;
}

export function noticeCookie(value: string, maxAge: number, secure: boolean): string {
  return `${NOTICE_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/**
 * Captcha scripts (Turnstile) that Kratos puts in `captcha` script nodes draw their widget in an
 * iframe from their own origin; only origins of scripts in this flow are allowed, and only https.
 */
function thirdPartyScriptOrigins(flow: RawFlow, scope: RequestScope): string[] {
  const origins = new Set<string>();
  for (const node of flow.ui.nodes) {
    const src = node.type === 'script' ? node.attributes.src : undefined;
    if (typeof src !== 'string') continue;
    const url = safeURL(src, scope.toSameOrigin, { allowDataImage: false });
    if (!url?.startsWith('https://')) continue;
    const origin = new URL(url).origin;
    if (origin !== scope.publicOrigin) origins.add(origin);
  }
  return [...origins];
}
