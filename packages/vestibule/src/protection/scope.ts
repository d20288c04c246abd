// One protected submit as the pipeline's steps see it, and the steps every flow shares.
import type { CaptchaStep } from './captcha-step.ts';
import type {
  SignedInIdentity,
  SubmitContext,
  SubmitHandler,
  SubmitProtectionOptions,
} from './options.ts';
import { captchaRefused, type RefusalContext } from './refusals.ts';
import type { Submit, SubmitFields } from './submit.ts';

/** One protected submit, its body read and its client known. */
export interface SubmitScope {
  submit: Submit;
  fields: SubmitFields;
  request: Request;
  context: SubmitContext;
  /** The client's address as counted and audited. */
  address: string | undefined;
  addressKey: string;
  refusal: RefusalContext;
  forward(): Promise<Response>;
}

export interface PipelineDeps {
  options: SubmitProtectionOptions;
  captcha: CaptchaStep | undefined;
  /** The proxy itself (settings: read the flow's state after a browser submit). */
  proxy: SubmitHandler;
}

/** The captcha step when `required`: undefined to go on, or the refusal to answer with. */
export async function runCaptcha(
  deps: PipelineDeps,
  scope: SubmitScope,
  required: boolean,
): Promise<Response | undefined> {
  if (!required || !deps.captcha) return undefined;
  const outcome = await deps.captcha.check(
    scope.fields.captchaToken,
    scope.request.headers,
    scope.address,
  );
  if (outcome.ok) return undefined;
  await deps.options.audit.record({
    ...auditBase(scope, scope.fields.identifier ?? scope.fields.email),
    event: 'captcha_failed',
  });
  return captchaRefused(scope.refusal, outcome.reason === 'unavailable');
}

export function auditBase(scope: SubmitScope, identifier: string | undefined) {
  return {
    identifier,
    clientAddress: scope.address,
    userAgent: scope.request.headers.get('user-agent'),
    requestId: scope.context.requestId,
  };
}

/** Who a credential belongs to; undefined when unknown or Kratos cannot say. */
export async function whoami(
  deps: PipelineDeps,
  headers: Headers,
): Promise<SignedInIdentity | undefined> {
  try {
    return await deps.options.identityOf?.(headers);
  } catch {
    return undefined;
  }
}

/** The identity behind the session cookie a response sets (a login or a recovery). */
export async function identityAfter(
  deps: PipelineDeps,
  response: Response,
): Promise<SignedInIdentity | undefined> {
  const name = deps.options.sessionCookie;
  for (const cookie of response.headers.getSetCookie()) {
    const pair = cookie.split(';', 1)[0]!;
    if (pair.startsWith(`${name}=`) && pair.length > name.length + 1) {
      return whoami(deps, new Headers({ cookie: pair }));
    }
  }
  return undefined;
}
