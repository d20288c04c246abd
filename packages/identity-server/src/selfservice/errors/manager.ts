// Kratos's self-service error manager (selfservice/errorx): a failure that cannot be shown on a flow
// is stored and the browser is sent to selfservice.flows.error.ui_url?id=<uuid>, where the UI fetches
// it from GET /self-service/errors?id=. JSON clients get the error envelope directly instead.
import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../../driver/context.ts';
import { KratosError, internal } from '../../http/errors.ts';
import { errorResponse, redirect } from '../../http/respond.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { withQuery } from '../../http/url.ts';

export async function storeError(ctx: ServerContext, err: KratosError): Promise<string> {
  const id = randomUUID();
  const at = ctx.clock.now().toISOString();
  const { error } = err.toBody();
  await ctx.persister.createError({ id, error: { ...error }, created_at: at, updated_at: at });
  return id;
}

/**
 * Answers a failure the way Kratos's Forward does: JSON for API/SPA clients, otherwise a 303 to the
 * error UI. `headers` (e.g. Set-Cookie) are kept on both.
 */
export async function forwardError(
  ctx: ServerContext,
  request: Request,
  requestId: string,
  err: unknown,
  options: { json?: boolean; headers?: HeadersInit } = {},
): Promise<Response> {
  const kratosError = err instanceof KratosError ? err : internal(err);
  if (!(err instanceof KratosError)) {
    ctx.log('error', 'self-service request failed', { request_id: requestId, err });
  }
  if (options.json ?? isJSONRequest(request)) {
    return errorResponse(kratosError, requestId, options.headers);
  }
  const id = await storeError(ctx, kratosError);
  return redirect(
    withQuery(ctx.config.selfservice.flows.error.ui_url, { id }),
    303,
    options.headers,
  );
}
