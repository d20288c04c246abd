// The pipeline's own answers. JSON/API: the usual error body with the status and `Retry-After`.
// Browsers: back to the page of the flow with a notice ("too many attempts, try again in N
// minutes"), the way Kratos itself sends a browser back to its flow with a message. Identical for
// known and unknown identifiers: nothing here depends on whether the account exists.
import { errorResponse } from '../lib/error-body.ts';
import type { Submit } from './submit.ts';

export interface RefusalContext {
  submit: Submit;
  requestId: string;
  /** Where the browser page of a flow lives (`/login?flow=…`). */
  pageURL(flow: Submit['flow'], flowId: string | undefined): string;
  secureCookies: boolean;
}

export function tooManyAttempts(ctx: RefusalContext, retryAfterMs: number): Response {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (!ctx.submit.wantsJSON) return backToPage(ctx, lockNoticeValue(minutes), seconds);
  const response = errorResponse(
    {
      status: 429,
      code: 'TOO_MANY_ATTEMPTS',
      message: `Too many attempts. Please try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      requestId: ctx.requestId,
    },
    false,
  );
  response.headers.set('retry-after', String(seconds));
  return response;
}

export function captchaRefused(ctx: RefusalContext, unavailable: boolean): Response {
  if (!ctx.submit.wantsJSON) {
    return backToPage(ctx, unavailable ? 'captcha_unavailable' : 'captcha_failed');
  }
  return errorResponse(
    unavailable
      ? {
          status: 503,
          code: 'CAPTCHA_UNAVAILABLE',
          message: 'The challenge service is not reachable right now. Please try again shortly.',
          requestId: ctx.requestId,
        }
      : {
          status: 400,
          code: 'CAPTCHA_FAILED',
          message: 'The challenge was missing or not accepted. Please complete it and try again.',
          requestId: ctx.requestId,
        },
    false,
  );
}

export function unreadableSubmit(ctx: RefusalContext): Response {
  return errorResponse(
    {
      status: 400,
      code: 'BAD_REQUEST',
      message: 'The request body could not be read.',
      requestId: ctx.requestId,
    },
    !ctx.submit.wantsJSON,
  );
}

function lockNoticeValue(minutes: number): string {
  return `too_many_attempts.${Math.min(minutes, 9999)}`;
}

/** The notice cookie for a lock lasting `lockMs` more (added to the answer that started it). */
export function lockNotice(ctx: RefusalContext, lockMs: number): string {
  return noticeCookie(ctx, lockNoticeValue(Math.max(1, Math.ceil(lockMs / 60_000))));
}

function noticeCookie(ctx: RefusalContext, notice: string): string {
  // Read (and cleared) by the pages' flow page, which shows it above the form.
  return `vestibule_notice=${notice}; Path=/; Max-Age=300; HttpOnly; SameSite=Lax${ctx.secureCookies ? '; Secure' : ''}`;
}

function backToPage(ctx: RefusalContext, notice: string, retryAfterSeconds?: number): Response {
  const headers = new Headers({
    location: ctx.pageURL(ctx.submit.flow, ctx.submit.flowId),
    'cache-control': 'no-store',
  });
  headers.append('set-cookie', noticeCookie(ctx, notice));
  if (retryAfterSeconds !== undefined) headers.set('retry-after', String(retryAfterSeconds));
  return new Response(null, { status: 303, headers });
}
