// /error?id=<uuid>: Kratos redirects browsers here with the id of a stored error
// (`GET /self-service/errors?id=`). The page shows a message a user can act on and the request id;
// the error's details go to the log, never to the page.
import { errorResult, type PagesDeps, type RequestScope } from './context.ts';
import { noticeCookie } from './flow-page.ts';
import type { PageResult } from './respond.ts';
import { PAGE_TEXTS, type PageTextKey } from './ui/texts.ts';

const ERROR_ID = /^[A-Za-z0-9-]{1,64}$/;

interface StoredError {
  error?: { id?: unknown; code?: unknown; message?: unknown; reason?: unknown };
}

export async function handleErrorPage(deps: PagesDeps, scope: RequestScope): Promise<PageResult> {
  const id = scope.url.searchParams.get('id');
  if (!id || !ERROR_ID.test(id)) {
    return errorResult(deps, scope, 400, deps.texts.page('vestibule.error.generic'));
  }
  const result = await deps.kratos.getFlowError(id);
  if (!result.ok) {
    scope.log.info('kratos error not found', { status: result.status });
    return result.status === 404
      ? errorResult(deps, scope, 404, deps.texts.page('vestibule.error.not_found'))
      : errorResult(deps, scope, 502, deps.texts.page('vestibule.error.unavailable'));
  }
  const stored = (result.body ?? {}) as StoredError;
  const error = stored.error ?? {};
  scope.log.warn('kratos reported an error', { kratos_error: error });
  const errorId = typeof error.id === 'string' ? error.id : undefined;
  const next = nextStep(deps, scope, errorId);
  if (next) return next;
  const code =
    typeof error.code === 'number' && error.code >= 400 && error.code < 600 ? error.code : 500;
  return errorResult(deps, scope, code, userMessage(deps, errorId, error, code));
}

/**
 * Errors Kratos forwards here when a flow could not even start (the user never saw a form): most have
 * an obvious next step, and an error page would be a dead end. Kratos stores no `return_to` with
 * them; the pages remember what they started the login with (flow-context.ts) and keep it.
 */
function nextStep(
  deps: PagesDeps,
  scope: RequestScope,
  errorId: string | undefined,
): PageResult | undefined {
  const r = deps.routes;
  const started = deps.flowContext.recall('login', undefined, scope.cookie);
  const returnTo = started?.get('return_to') ?? undefined;
  switch (errorId) {
    case 'session_already_available':
    case 'session_aal_already_fulfilled':
      // Signed in already, at the level asked for.
      return { kind: 'redirect', location: deps.options.defaultReturnTo };
    case 'session_aal1_required':
    case 'session_inactive':
      // A second factor (or a signed-in page) was asked for without a session: sign in first.
      return { kind: 'redirect', location: r.page('login', { return_to: returnTo }) };
    case 'session_aal2_required':
      return { kind: 'redirect', location: r.page('login', { aal: 'aal2', return_to: returnTo }) };
    case 'session_refresh_required':
      return {
        kind: 'redirect',
        location: r.page('login', { refresh: 'true', return_to: returnTo }),
      };
    case 'self_service_flow_return_to_forbidden': {
      // Kratos refused to start a flow with that return_to: start it again without, and say why on
      // the form (as for the same error on a flow fetch). Counted as a restart: it can never loop.
      const start = deps.flowContext.latestStart(scope.cookie);
      const decision = deps.breaker.next(scope.cookie, scope.secure);
      if (!decision.allowed) return undefined;
      const params = start?.params ?? new URLSearchParams();
      params.delete('return_to');
      return {
        kind: 'redirect',
        location: r.page(start?.flowType ?? 'login', Object.fromEntries(params)),
        cookies: [decision.setCookie, noticeCookie('return_to_forbidden', 300, scope.secure)],
      };
    }
    case 'session_verified_address_required':
      return errorResult(
        deps,
        scope,
        403,
        deps.texts.page('vestibule.error.session_verified_address_required'),
        [],
        { href: r.page('verification'), key: 'vestibule.link.verify' },
      );
  }
  return undefined;
}

function userMessage(
  deps: PagesDeps,
  errorId: string | undefined,
  error: StoredError['error'] & object,
  code: number,
): string {
  const key = `vestibule.error.${errorId}`;
  if (errorId && key in PAGE_TEXTS) return deps.texts.page(key as PageTextKey);
  if (code >= 500) return deps.texts.page('vestibule.error.generic');
  // Kratos's `reason` for client errors is written for end users ("Registration is not allowed because
  // it was disabled."); one that names a URL or host may say more than a user needs: fall back.
  const reason = typeof error.reason === 'string' ? error.reason : '';
  if (reason && reason.length <= 300 && !/[a-z]+:\/\/|\b[\w-]+\.[\w-]+:\d+/i.test(reason))
    return reason;
  return typeof error.message === 'string' && error.message.length <= 300
    ? error.message
    : deps.texts.page('vestibule.error.generic');
}
