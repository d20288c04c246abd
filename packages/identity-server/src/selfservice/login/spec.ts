// The login flow's own rules (Kratos selfservice/flow/login): `refresh` and `aal` query parameters,
// session_already_available, and the first screen's nodes (`unified` or `identifier_first` style).
import type { ServerContext, UINode } from '../../driver/context.ts';
import { KratosError, badRequest } from '../../http/errors.ts';
import type { ResolvedSession } from '../../session/manager.ts';
import type { FlowKindSpec, FlowSetup } from '../flow/init.ts';
import { csrfNode, inputNode } from '../../ui/node.ts';
import { identifierLabel, passwordNode, submitNode } from '../strategy/password/nodes.ts';
import { identificationNodes } from '../strategy/idfirst/nodes.ts';
import { loginText } from '../../text/index.ts';

const AALS = ['aal1', 'aal2', 'aal3'];

export function isRefresh(url: URL): boolean {
  return url.searchParams.get('refresh') === 'true';
}

export function requestedAAL(url: URL): string {
  return url.searchParams.get('aal') || 'aal1';
}

/** Kratos login.ErrAlreadyLoggedIn. */
export function alreadyLoggedIn(kind: 'login' | 'registration'): KratosError {
  return new KratosError(400, 'you are already logged in', {
    id: 'session_already_available',
    reason:
      kind === 'login'
        ? 'A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?'
        : 'A valid session was detected and thus registration is not possible.',
  });
}

function checkQuery(url: URL, session: ResolvedSession | undefined): void {
  const aal = requestedAAL(url);
  if (!AALS.includes(aal)) {
    throw badRequest(
      `Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [${AALS.join(', ')}] but got ${aal}`,
    );
  }
  if (aal !== 'aal1' && !session) {
    // Kratos login.ErrSessionRequiredForHigherAAL.
    throw new KratosError(401, 'aal2 and aal3 can only be requested if a session exists already', {
      id: 'session_aal1_required',
      reason: 'You can not requested a higher AAL (AAL2/AAL3) without an active session.',
    });
  }
}

/**
 * A session below the requested AAL is stepping up (Kratos login handler: the flow is created for
 * the second factor). The password is a first factor, so no method here can serve it: the flow
 * has no nodes and says 1010004, as Kratos answers when no second factor is set up.
 */
function stepsUp(url: URL, session: ResolvedSession | undefined): boolean {
  const aal = requestedAAL(url);
  return (
    session !== undefined &&
    aal !== 'aal1' &&
    aal > String(session.session.authenticator_assurance_level)
  );
}

/** Flows created for a second factor: the password (a first factor) does not apply to them. */
export function isSecondFactorFlow(requested: unknown): boolean {
  return typeof requested === 'string' && requested !== 'aal1';
}

/** `selfservice.flows.login.style: identifier_first` (Kratos's default is `unified`). */
export function identifierFirst(ctx: ServerContext): boolean {
  return ctx.config.selfservice.flows.login.style === 'identifier_first';
}

function identifierOf(session: ResolvedSession): string {
  return session.identity.credentials.password?.identifiers[0] ?? '';
}

function setup(
  ctx: ServerContext,
  options: { url: URL; csrfMasked?: string; session?: ResolvedSession },
): FlowSetup {
  // Without a session there is nothing to re-authenticate: Kratos answers `refresh: false`
  // (shared/ory/kratos/transcripts/login-api.json#13), and the flow is an ordinary first login.
  const refresh = isRefresh(options.url) && options.session !== undefined;
  if (stepsUp(options.url, options.session)) {
    return {
      nodes: null,
      messages: [loginText.loginMFA()],
      extra: { refresh, requested_aal: requestedAAL(options.url) },
    };
  }
  const reauth = refresh && options.session;
  const extra = { refresh, requested_aal: requestedAAL(options.url) };
  // Kratos login handler: a refresh takes precedence over `identifier_first`; otherwise that style
  // shows the identifier alone first (strategy/idfirst).
  if (!reauth && identifierFirst(ctx)) {
    const schema = ctx.schemas.get(ctx.schemas.defaultId);
    return { nodes: identificationNodes(schema, { csrfMasked: options.csrfMasked ?? '' }), extra };
  }
  // Kratos puts the csrf_token node on every flow; API flows carry it with an empty value.
  const nodes: UINode[] = [csrfNode(options.csrfMasked ?? '')];
  if (reauth) {
    // Re-authentication: the identifier is fixed to the signed-in identity (recorded
    // login/1fa/refresh/password/initial-form.json).
    nodes.push(
      inputNode('default', { name: 'identifier', type: 'hidden', value: identifierOf(reauth) }),
    );
  } else {
    const schema = ctx.schemas.get(ctx.schemas.defaultId);
    nodes.push(
      inputNode(
        'default',
        { name: 'identifier', type: 'text', value: '', required: true },
        identifierLabel(schema),
      ),
    );
  }
  nodes.push(passwordNode('current-password'));
  nodes.push(submitNode(reauth ? loginText.loginButton() : loginText.loginWithPassword()));
  return {
    nodes,
    ...(reauth ? { messages: [loginText.loginReauth()] } : {}),
    extra,
    ...(reauth ? { identityId: reauth.identity.id, sessionId: reauth.session.id } : {}),
  };
}

export const loginSpec: FlowKindSpec = {
  kind: 'login',
  refuseWithSession: (url, session) =>
    isRefresh(url) || stepsUp(url, session) ? undefined : alreadyLoggedIn('login'),
  checkQuery,
  setup,
};
