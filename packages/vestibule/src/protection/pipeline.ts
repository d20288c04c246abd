// The one submit pipeline in the edge (issue 12): every self-service submit under the proxy prefix
// goes lockout check → captcha → forward (the same bytes) → record the outcome from Kratos's answer.
// A locked request never reaches Kratos and consumes no captcha. Unknown identifiers are counted
// and locked exactly like known ones: nothing here asks whether the account exists.
import { BodyTooLarge, readLimited } from '../proxy/body.ts';
import { ownErrorResponse } from '../proxy/respond.ts';
import { CaptchaStep } from './captcha-step.ts';
import { protectOtherFlow } from './flows.ts';
import { addressKey, clientAddressOf } from './keys.ts';
import { protectLogin } from './login.ts';
import type { SubmitHandler, SubmitProtectionOptions } from './options.ts';
import { unreadableSubmit, type RefusalContext } from './refusals.ts';
import type { SubmitScope } from './scope.ts';
import { readFields, submitOf } from './submit.ts';

export interface SubmitProtection {
  wrap(proxy: SubmitHandler): SubmitHandler;
}

export function createSubmitProtection(options: SubmitProtectionOptions): SubmitProtection {
  const captcha = options.captcha && new CaptchaStep(options.captcha.verifier, options.logger);
  return {
    wrap(proxy) {
      const deps = { options, captcha, proxy };
      return async (request, context) => {
        const submit = submitOf(request, options.prefix);
        if (!submit) return proxy(request, context);
        const declared = Number(request.headers.get('content-length') ?? '0');
        // The proxy refuses these itself, before reading a byte.
        if (!(declared <= options.maxBodyBytes)) return proxy(request, context);
        let body: Uint8Array;
        try {
          body = await readLimited(request.body, options.maxBodyBytes);
        } catch (err) {
          const status = err instanceof BodyTooLarge ? 413 : 400;
          const refused = ownErrorResponse(
            status,
            context.requestId,
            request.headers.get('accept'),
          );
          refused.headers.set('connection', 'close');
          return refused;
        }
        const address = clientAddressOf(request.headers, context.clientAddress, options.trustProxy);
        const refusal: RefusalContext = {
          submit,
          requestId: context.requestId,
          pageURL: options.pageURL,
          secureCookies: options.secureCookies,
        };
        const fields = await readFields(body, request.headers.get('content-type'));
        if (!fields) return unreadableSubmit(refusal);
        const scope: SubmitScope = {
          submit,
          fields,
          request,
          context,
          address,
          addressKey: addressKey(address),
          refusal,
          // The client's exact bytes: Kratos sees what the client sent, nothing re-encoded.
          forward: () =>
            proxy(
              new Request(request.url, {
                method: 'POST',
                headers: request.headers,
                body: body as Uint8Array<ArrayBuffer>,
              }),
              context,
            ),
        };
        if (submit.flow === 'login') return protectLogin(deps, scope);
        return protectOtherFlow(deps, scope);
      };
    },
  };
}
