// The password login method (Kratos selfservice/strategy/password/login.go). Wrong password and
// unknown identifier give the same 4000006 message, and an unknown identifier still burns a hash
// comparison (hasher.dummyVerify) so timing does not reveal which identifiers exist.
import { afterWebHooks } from '../../config/hooks.ts';
import { runHooksOnFlow } from '../flow/hook-interruption.ts';
import type { ServerContext } from '../../driver/context.ts';
import { KratosError } from '../../http/errors.ts';
import type { Identity, Session } from '../../persistence/types.ts';
import { issueSession } from '../../session/manager.ts';
import { saveAndRespond } from '../flow/respond.ts';
import { rejectWithMessage, type Submission } from '../flow/submit.ts';
import { successResponse } from '../flow/success.ts';
import { requireVerifiedAddress, verifyBeforeLogin } from '../verification/hooks.ts';
import { resetMessages, setNodeValue, uiOf, attachMessage } from '../../ui/container.ts';
import { loginText, validationText } from '../../text/index.ts';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

async function verifyPassword(
  ctx: ServerContext,
  identifier: string,
  password: string,
): Promise<Identity | undefined> {
  const identity = await ctx.persister.findIdentityByCredentialIdentifier('password', identifier);
  const hashed = identity?.credentials.password?.config.hashed_password;
  if (!identity || typeof hashed !== 'string') {
    await ctx.hasher.dummyVerify(password);
    return undefined;
  }
  return (await ctx.hasher.verify(password, hashed)) ? identity : undefined;
}

/** Imported or old-cost hashes are upgraded on a successful login, as Kratos migrates them. */
async function maybeRehash(
  ctx: ServerContext,
  identity: Identity,
  password: string,
): Promise<void> {
  const credential = identity.credentials.password;
  const hashed = credential?.config.hashed_password;
  if (!credential || typeof hashed !== 'string' || !ctx.hasher.needsRehash(hashed)) return;
  try {
    credential.config = { ...credential.config, hashed_password: await ctx.hasher.hash(password) };
    credential.updated_at = ctx.clock.now().toISOString();
    await ctx.persister.updateIdentity(identity);
  } catch (err) {
    ctx.log('warn', 'password rehash failed', { identity_id: identity.id, err });
  }
}

/** A refresh login re-authenticates the current session instead of creating a new one. */
async function refreshSession(ctx: ServerContext, session: Session): Promise<Session> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const refreshed: Session = {
    ...session,
    authenticated_at: at,
    expires_at: new Date(now.getTime() + ctx.config.session.lifespan_ms).toISOString(),
    authentication_methods: [
      ...session.authentication_methods,
      { method: 'password', aal: 'aal1', completed_at: at },
    ],
    updated_at: at,
  };
  await ctx.persister.updateSession(refreshed);
  return refreshed;
}

function identityMismatch(): KratosError {
  return new KratosError(400, 'The request was malformed or contained invalid parameters', {
    id: 'security_identity_mismatch',
    reason: 'The flow was interrupted because the identity does not match the session.',
  });
}

export async function submitLoginPassword(s: Submission): Promise<Response> {
  const { ctx, flow, body } = s;
  const fixedIdentifier = flow.identity_id
    ? uiOf(flow).nodes.find((n) => n.attributes.name === 'identifier')?.attributes.value
    : undefined;
  const identifier = (
    typeof fixedIdentifier === 'string' ? fixedIdentifier : text(body.identifier)
  ).trim();
  const password = text(body.password);

  resetMessages(flow);
  if (!flow.identity_id) setNodeValue(flow, 'identifier', identifier);
  if (!identifier || !password) {
    const ui = uiOf(flow);
    if (!identifier) attachMessage(ui, 'identifier', validationText.required('identifier'));
    if (!password) attachMessage(ui, 'password', validationText.required('password'));
    return saveAndRespond(ctx, s.request, flow);
  }

  const identity = await verifyPassword(ctx, identifier, password);
  if (!identity) return rejectWithMessage(s, validationText.invalidCredentials());
  if (identity.state !== 'active') return rejectWithMessage(s, loginText.identityDisabled());
  if (flow.identity_id && flow.identity_id !== identity.id) throw identityMismatch();
  // Login hook `require_verified_address` (Kratos hook/address_verifier.go).
  const unverified = requireVerifiedAddress(ctx, identity);
  if (unverified) {
    const moved = ctx.config.feature_flags?.legacy_require_verified_login_error
      ? undefined
      : await verifyBeforeLogin(ctx, {
          identity,
          request: s.request,
          type: flow.type,
          json: s.json,
          ...(typeof flow.body.return_to === 'string' ? { returnTo: flow.body.return_to } : {}),
        });
    return moved ?? rejectWithMessage(s, unverified);
  }

  // Kratos's PostLoginHook web hooks run before the login completes; they may interrupt it.
  const hooked = await runHooksOnFlow(s, afterWebHooks(ctx.config, 'login', 'password'));
  if (hooked) return hooked;

  // A browser flow turns into one session only (exactly one concurrent submit wins). An API flow
  // may be submitted again, as Kratos allows: each submit proves the password again and gets its
  // own session (shared/ory/kratos/transcripts/login-api.json#7).
  const consumed = await ctx.persister.consumeFlow(flow.id, ctx.clock.now().toISOString());
  if (!consumed && flow.type !== 'api') return rejectWithMessage(s, loginText.loginRetrySuccess());
  // Kratos's password strategy marks the flow with the method that finished it (`active`); the
  // submitted values are not kept on a finished flow.
  if (!flow.identity_id) setNodeValue(flow, 'identifier', '');
  flow.body.active = 'password';
  await ctx.persister.updateFlow(flow);
  await maybeRehash(ctx, identity, password);

  const current = s.session;
  const issued =
    flow.body.refresh === true && current && current.identity.id === identity.id
      ? { session: await refreshSession(ctx, current.session), token: current.token }
      : await issueSession(ctx, {
          identity,
          method: 'password',
          request: s.request,
          clientAddress: s.clientAddress,
        });
  return successResponse(s, { flow, identity, issued, includeIdentity: false });
}
