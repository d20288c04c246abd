// What Kratos made of a submit, read from its answer alone (no extra call on the hot path):
// browser flows answer 303 — with a session cookie when the credentials were right, back to the
// same flow (message 4000006 stored in it) when not; SPA and API flows answer 200 with the session,
// 400 with the flow and its messages, 422 when the browser must go elsewhere.
import { readCookie } from '../lib/cookies.ts';
import type { Submit } from './submit.ts';

export type SubmitResult = 'accepted' | 'refused' | 'other';

export interface SubmitOutcome {
  result: SubmitResult;
  /** From the JSON answer (`session.identity.id` or `identity.id`), when Kratos sent one. */
  identityId?: string;
}

export async function outcomeOf(
  response: Response,
  submit: Submit,
  sessionCookie: string,
): Promise<SubmitOutcome> {
  const { status } = response;
  if (status === 200) return { result: 'accepted', ...(await identityOf(response)) };
  if (setsSession(response, sessionCookie)) return { result: 'accepted' };
  if (status === 400) return { result: 'refused' };
  if (status >= 300 && status < 400) {
    // Back to the same flow: Kratos stored the error messages in it and shows them there.
    return { result: backToFlow(response, submit.flowId) ? 'refused' : redirectResult(submit) };
  }
  return { result: 'other' };
}

/** A browser registration that does not return to its own flow went on (verification, return_to). */
function redirectResult(submit: Submit): SubmitResult {
  return submit.flow === 'registration' ? 'accepted' : 'other';
}

function setsSession(response: Response, cookieName: string): boolean {
  return response.headers
    .getSetCookie()
    .some((c) => !!readCookie(c.split(';', 1)[0], cookieName, { unquote: false }));
}

function backToFlow(response: Response, flowId: string | undefined): boolean {
  const location = response.headers.get('location');
  if (!location || !flowId) return false;
  try {
    const url = new URL(location, 'http://edge.invalid');
    return url.searchParams.get('flow') === flowId && !url.searchParams.has('error');
  } catch {
    return false;
  }
}

async function identityOf(response: Response): Promise<{ identityId?: string }> {
  try {
    const body = (await response.clone().json()) as {
      session?: { identity?: { id?: unknown } };
      identity?: { id?: unknown };
    };
    const id = body.session?.identity?.id ?? body.identity?.id;
    return typeof id === 'string' ? { identityId: id } : {};
  } catch {
    return {};
  }
}
