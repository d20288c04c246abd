// Creating settings flows (Kratos selfservice/flow/settings/handler.go NewFlow): bound to the
// identity and session that asked, state `show_form`, the identity (without credentials) on the wire.
import type { ServerContext, UIText } from '../../driver/context.ts';
import type { FlowRecord, Identity, Session } from '../../persistence/types.ts';
import { publicIdentity } from '../../session/wire.ts';
import type { CSRFIssue, CSRFProtection } from '../flow/csrf.ts';
import { buildFlow } from '../flow/lifecycle.ts';
import { settingsNodes } from './nodes.ts';

export interface NewSettingsFlow {
  type: 'browser' | 'api';
  request: Request;
  identity: Identity;
  session: Session;
  requestPath?: string;
  returnTo?: string;
  messages?: UIText[];
  /** A CSRF secret just regenerated (after recovery issued a session) instead of the request's. */
  csrfIssue?: CSRFIssue;
}

export function createSettingsFlow(
  ctx: ServerContext,
  csrf: CSRFProtection,
  init: NewSettingsFlow,
): { flow: FlowRecord; setCookie?: string } {
  const issue = init.type === 'browser' ? (init.csrfIssue ?? csrf.issue(init.request)) : undefined;
  const flow = buildFlow(ctx, {
    kind: 'settings',
    type: init.type,
    requestPath: init.requestPath ?? `/self-service/settings/${init.type}`,
    ...(init.returnTo ? { returnTo: init.returnTo } : {}),
    ...(issue ? { csrfSecret: issue.secret } : {}),
    nodes: settingsNodes(ctx, init.identity, issue ? { csrfMasked: issue.masked } : {}),
    ...(init.messages ? { messages: init.messages } : {}),
    extra: { identity: publicIdentity(ctx, init.identity) },
    identityId: init.identity.id,
    sessionId: init.session.id,
  });
  flow.body.state = 'show_form';
  return { flow, ...(issue?.setCookie ? { setCookie: issue.setCookie } : {}) };
}
