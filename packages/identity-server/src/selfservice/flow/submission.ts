// What a flow's submit handlers are given (one object, not positional flags): the request and the
// flow it submits to, how to answer (JSON or redirects), the parsed body and its `method`.
import type { ServerContext } from '../../driver/context.ts';
import type { RouteContext } from '../../http/router.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import type { ResolvedSession } from '../../session/manager.ts';
import type { CSRFProtection } from './csrf.ts';

export interface Submission {
  ctx: ServerContext;
  csrf: CSRFProtection;
  request: Request;
  url: URL;
  requestId: string;
  /** The peer address, recorded on sessions issued by this submit. */
  clientAddress: string | undefined;
  flow: FlowRecord;
  /**
   * True when the answer is JSON: an API flow, or a browser flow submitted by a SPA (JSON body or
   * Accept); false means a browser form post, answered with redirects.
   */
  json: boolean;
  /** The form or JSON body; empty until the pipeline has read it. */
  body: Record<string, unknown>;
  /** The body's `method` (password, profile, code, link…), when it names one. */
  method: string | undefined;
  /** The requester's session, where the flow looks at it (login refresh, settings owner). */
  session?: ResolvedSession | undefined;
}

/** A submission for `flow` made by the request in `route`, before its body is read. */
export function submissionOf(
  base: { ctx: ServerContext; csrf: CSRFProtection },
  route: RouteContext,
  flow: FlowRecord,
  json: boolean,
): Submission {
  return {
    ...base,
    request: route.request,
    url: route.url,
    requestId: route.requestId,
    clientAddress: route.clientAddress,
    flow,
    json,
    body: {},
    method: undefined,
  };
}
