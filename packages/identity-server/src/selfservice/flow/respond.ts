// Answers for a flow after a failed submit (Kratos's flow ErrorHandler.WriteFlowError): the flow is
// stored with its messages; browsers posting forms are sent back to the UI with `?flow=<same id>`,
// JSON and API clients get 400 with the flow body.
import type { ServerContext } from '../../driver/context.ts';
import { json, redirect } from '../../http/respond.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { withQuery } from '../../http/url.ts';
import { touchFlow } from './lifecycle.ts';

export function flowUIURL(ctx: ServerContext, flow: FlowRecord): string {
  const kind = flow.kind;
  return withQuery(ctx.config.selfservice.flows[kind].ui_url, { flow: flow.id });
}

export function flowResponse(
  ctx: ServerContext,
  request: Request,
  flow: FlowRecord,
  status: number,
  headers?: HeadersInit,
  browserStatus = 303,
): Response {
  if (flow.type === 'browser' && !isJSONRequest(request)) {
    return redirect(flowUIURL(ctx, flow), browserStatus, headers);
  }
  return json(flow.body, status, headers);
}

export interface SaveOptions {
  /** The redirect status for a browser form post (Kratos's registration errors use 302). */
  browserStatus?: number;
  /**
   * The submitted `transient_payload`, echoed in this answer only (as Kratos's strategies set it
   * on the flow they answer with, without storing it): an empty object when none was sent.
   */
  transientPayload?: unknown;
}

export async function saveAndRespond(
  ctx: ServerContext,
  request: Request,
  flow: FlowRecord,
  status = 400,
  options: SaveOptions = {},
): Promise<Response> {
  touchFlow(ctx, flow);
  await ctx.persister.updateFlow(flow);
  if ('transientPayload' in options) {
    const payload = options.transientPayload;
    const echoed = typeof payload === 'object' && payload !== null ? payload : {};
    flow = { ...flow, body: { ...flow.body, transient_payload: echoed } };
  }
  return flowResponse(ctx, request, flow, status, undefined, options.browserStatus ?? 303);
}

/**
 * The answer to a flow init (GET /self-service/<kind>/{browser,api}): JSON clients get the new
 * flow, browsers go to its UI; either way with the CSRF cookie when one was just issued.
 */
export function newFlowResponse(
  ctx: ServerContext,
  created: { flow: FlowRecord; setCookie?: string },
  asJSON: boolean,
): Response {
  const headers = created.setCookie ? { 'set-cookie': created.setCookie } : undefined;
  if (asJSON) return json(created.flow.body, 200, headers);
  return redirect(flowUIURL(ctx, created.flow), 303, headers);
}
