// Initialising and fetching flows, shared by login and registration (Kratos flow/<kind>/handler.go):
// GET /self-service/<kind>/{browser,api} and GET /self-service/<kind>/flows?id=.
import type { ServerContext, UINode, UIText } from '../../driver/context.ts';
import type { KratosError } from '../../http/errors.ts';
import { json, redirect } from '../../http/respond.ts';
import type { RouteContext } from '../../http/router.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import type { ResolvedSession } from '../../session/manager.ts';
import { resolveSession } from '../../session/manager.ts';
import type { CSRFProtection } from './csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { buildFlow, csrfViolation, expiredOnFetch, isExpired, loadFlow } from './lifecycle.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { newFlowResponse } from './respond.ts';
import { checkReturnTo } from './return-to.ts';
import { beforeWebHooks } from '../../config/hooks.ts';
import { runHooksReportingErrors } from '../hook/web-hook.ts';
import {
  answerSessionAtInit,
  challengeOfFlow,
  flowBodyWithLoginRequest,
  prepareOAuth2Init,
  withLoginRequest,
} from './oauth2-login.ts';

export interface FlowSetup {
  /** null: a flow no configured method can serve (Kratos answers `nodes: null` then). */
  nodes: UINode[] | null;
  messages?: UIText[];
  extra?: Record<string, unknown>;
  identityId?: string;
  sessionId?: string;
}

export interface FlowKindSpec {
  kind: 'login' | 'registration';
  /**
   * Decides what an existing session means for a new flow: return an error to refuse (JSON) —
   * browsers are then redirected to the return URL instead — or undefined to go on.
   */
  refuseWithSession(url: URL, session: ResolvedSession): KratosError | undefined;
  /** Validates kind-specific query parameters (refresh, aal…); throws a KratosError when invalid. */
  checkQuery?(url: URL, session: ResolvedSession | undefined): void;
  /** Nodes and wire fields of a new flow. `csrfMasked` is undefined for API flows. */
  setup(
    ctx: ServerContext,
    options: { url: URL; csrfMasked?: string; session?: ResolvedSession; from?: FlowRecord },
  ): Promise<FlowSetup> | FlowSetup;
}

interface CreateOptions {
  type: 'browser' | 'api';
  url: URL;
  request: Request;
  returnTo?: string;
  session?: ResolvedSession;
  /** The expired flow this one replaces (keeps its type, return_to and query). */
  from?: FlowRecord;
  /** Hydra's login_challenge the flow was started with (oauth2_provider). */
  oauth2LoginChallenge?: string;
}

export async function createFlow(
  ctx: ServerContext,
  csrf: CSRFProtection,
  spec: FlowKindSpec,
  options: CreateOptions,
): Promise<{ flow: FlowRecord; setCookie?: string }> {
  const issue = options.type === 'browser' ? csrf.issue(options.request) : undefined;
  const setup = await spec.setup(ctx, {
    url: options.url,
    ...(issue ? { csrfMasked: issue.masked } : {}),
    ...(options.session ? { session: options.session } : {}),
    ...(options.from ? { from: options.from } : {}),
  });
  const flow = buildFlow(ctx, {
    kind: spec.kind,
    type: options.type,
    requestPath: options.url.pathname + options.url.search,
    ...(options.returnTo ? { returnTo: options.returnTo } : {}),
    ...(issue ? { csrfSecret: issue.secret } : {}),
    ...(options.oauth2LoginChallenge ? { oauth2LoginChallenge: options.oauth2LoginChallenge } : {}),
    ...setup,
  });
  await ctx.persister.createFlow(flow);
  return { flow, ...(issue?.setCookie ? { setCookie: issue.setCookie } : {}) };
}

export function initHandler(
  ctx: ServerContext,
  csrf: CSRFProtection,
  spec: FlowKindSpec,
  type: 'browser' | 'api',
) {
  return async ({ request, url: requested, requestId }: RouteContext): Promise<Response> => {
    const json = type === 'api' || isJSONRequest(request);
    try {
      // Kratos reads Hydra's login_challenge before anything else of the flow (login/handler.go).
      const oauth2 = await prepareOAuth2Init(ctx, { kind: spec.kind, type, url: requested });
      const url = spec.kind === 'login' && oauth2 ? oauth2.url : requested;
      const returnTo = checkReturnTo(ctx.config, url.searchParams.get('return_to'));
      const session = await resolveSession(ctx, request);
      spec.checkQuery?.(url, session);
      const refusal = session ? spec.refuseWithSession(url, session) : undefined;
      if (refusal && session && oauth2?.loginRequest) {
        return await answerSessionAtInit(ctx, { kind: spec.kind, init: oauth2, session, json });
      }
      if (refusal) {
        if (json) throw refusal;
        return redirect(returnTo ?? ctx.config.selfservice.default_browser_return_url, 303);
      }
      // Kratos's PreHookExecutor: before.hooks run for every new flow, before it is stored.
      await runHooksReportingErrors(ctx, beforeWebHooks(ctx.config, spec.kind));
      const created = await createFlow(ctx, csrf, spec, {
        type,
        url,
        request,
        ...(returnTo ? { returnTo } : {}),
        ...(session ? { session } : {}),
        ...(oauth2 ? { oauth2LoginChallenge: oauth2.challenge } : {}),
      });
      // Only the login init answers with Hydra's request; registration shows it on GET /flows.
      const shown =
        spec.kind === 'login' && oauth2?.loginRequest
          ? {
              ...created,
              flow: {
                ...created.flow,
                body: withLoginRequest(created.flow.body, oauth2.loginRequest),
              },
            }
          : created;
      return newFlowResponse(ctx, shown, json);
    } catch (err) {
      return forwardError(ctx, request, requestId, err, { json });
    }
  };
}

/** GET /self-service/<kind>/flows?id= — browser flows need the CSRF cookie they were issued with. */
export function fetchHandler(ctx: ServerContext, csrf: CSRFProtection, kind: FlowKindSpec['kind']) {
  return async ({ request, url, requestId }: RouteContext): Promise<Response> => {
    const flow = await loadFlow(ctx, kind, url.searchParams.get('id'));
    // Kratos issue #1282: a browser flow is only readable with its CSRF cookie.
    if (flow.type === 'browser' && !csrf.cookieMatches(request, flow.csrf_token)) {
      throw csrfViolation(csrf.rejectionDetails(request, 'absent'));
    }
    if (isExpired(ctx, flow)) throw expiredOnFetch(ctx, flow);
    if (!challengeOfFlow(flow)) return json(flow.body);
    // Kratos reads Hydra's login request again here; a failure goes to the error manager.
    try {
      return json(await flowBodyWithLoginRequest(ctx, flow));
    } catch (err) {
      return forwardError(ctx, request, requestId, err);
    }
  };
}
