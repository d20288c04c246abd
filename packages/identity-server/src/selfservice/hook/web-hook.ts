// The `web_hook` hook (Kratos selfservice/hook/web_hook.go + request/builder.go): calls the
// configured URL with the configured method, headers and auth. Its answer is handled as Kratos
// does: `response.ignore` sends in the background and never blocks the flow; a synchronous hook
// answering >= 400 fails the flow with 502 (a timeout: 504), unless `can_interrupt` or
// `response.parse` is set and the body carries Kratos's `{"messages": [...]}` shape — then the
// flow is interrupted and the messages land on its nodes. With `response.parse`, a 200 answer's
// `{"identity": {...}}` modifies the identity before it is saved.
import type { WebHookConfig } from '../../config/web-hooks.ts';
import type { ServerContext } from '../../driver/context.ts';
import { badRequest, internal, KratosError } from '../../http/errors.ts';
import { uiText, type UIText } from '../../text/index.ts';

/** Kratos reads at most 5 MB of a hook's answer. */
const MAX_ANSWER_BYTES = 5 << 20;
const DEFAULT_TIMEOUT_MS = 30_000;

/** The identity fields a parsed answer may replace (Kratos: non-empty fields of `identity`). */
export interface HookIdentityDraft {
  traits: Record<string, unknown>;
  metadata_public: Record<string, unknown> | null;
  metadata_admin: Record<string, unknown> | null;
}

/** A hook interrupted the flow: its messages, each for a node name ("" = the whole form). */
export class WebHookInterrupted extends Error {
  constructor(readonly problems: Array<{ name: string; message: UIText }>) {
    super('a webhook target returned an error');
    this.name = 'WebHookInterrupted';
  }
}

/**
 * Whether Kratos runs the hook before the identity is saved (registration, settings): only hooks
 * that may interrupt or parse; every other hook runs after the save.
 */
export const runsBeforePersist = (hook: WebHookConfig): boolean =>
  hook.can_interrupt || hook.response.parse;

/** Runs `hooks` in order; the first failure or interruption stops the flow (thrown). */
export async function runWebHooks(
  ctx: ServerContext,
  hooks: readonly WebHookConfig[],
  identity?: HookIdentityDraft,
): Promise<void> {
  for (const hook of hooks) await runWebHook(ctx, hook, identity);
}

/**
 * For hooks whose flow has no form to show messages on (before hooks: no flow yet; recovery and
 * verification after hooks: the flow is done), an interruption becomes a 400 error carrying the
 * hook's messages (the error UI for browsers).
 */
export async function runHooksReportingErrors(
  ctx: ServerContext,
  hooks: readonly WebHookConfig[],
): Promise<void> {
  try {
    await runWebHooks(ctx, hooks);
  } catch (err) {
    if (!(err instanceof WebHookInterrupted)) throw err;
    throw badRequest(err.message, { messages: err.problems });
  }
}

export async function runWebHook(
  ctx: ServerContext,
  hook: WebHookConfig,
  identity?: HookIdentityDraft,
): Promise<void> {
  const timeoutMs = ctx.config.web_hook_timeout_ms ?? DEFAULT_TIMEOUT_MS;
  if (hook.response.ignore) {
    // Fire and forget: the flow goes on at once; a failure is only logged (as Kratos).
    void call(hook, timeoutMs).then(
      (answer) => {
        void answer.body?.cancel();
        if (answer.status >= 400) warnIgnored(ctx, hook, `status ${answer.status}`);
      },
      (err: unknown) => warnIgnored(ctx, hook, err),
    );
    return;
  }
  let answer: Response;
  try {
    answer = await call(hook, timeoutMs);
  } catch (err) {
    ctx.log('error', 'Webhook request failed', { hook: nameOf(hook), err });
    throw isTimeout(err) ? gatewayTimeout(err) : internal(err);
  }
  const interrupts = hook.can_interrupt || hook.response.parse;
  if (answer.status >= 400) {
    if (interrupts) throw new WebHookInterrupted(problemsIn(await readJSON(answer)));
    void answer.body?.cancel();
    ctx.log('error', 'Webhook request failed', {
      hook: nameOf(hook),
      status: answer.status,
    });
    throw new KratosError(502, `webhook failed with status code ${answer.status}`, {
      reason: 'A third-party upstream service responded improperly. Please try again later.',
    });
  }
  // Kratos parses only a 200; a 204 or any other 2xx changes nothing.
  if (hook.response.parse && answer.status === 200 && identity) {
    applyIdentity(identity, await readJSON(answer));
  } else {
    void answer.body?.cancel();
  }
  ctx.log('info', 'Webhook request succeeded', { hook: nameOf(hook) });
}

// async: a header that cannot be built rejects (logged for an ignored hook) instead of throwing.
async function call(hook: WebHookConfig, timeoutMs: number): Promise<Response> {
  const headers = new Headers(hook.headers);
  // request/config.go: JSON unless the hook names another Content-Type.
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  const auth = hook.auth;
  if (auth?.type === 'basic_auth') {
    const token = Buffer.from(`${auth.user}:${auth.password}`).toString('base64');
    headers.set('authorization', `Basic ${token}`);
  } else if (auth?.type === 'api_key' && auth.in === 'cookie') {
    const existing = headers.get('cookie');
    headers.set('cookie', `${existing ? `${existing}; ` : ''}${auth.name}=${auth.value}`);
  } else if (auth?.type === 'api_key') {
    headers.set(auth.name, auth.value);
  }
  // No `body`: Jsonnet bodies are refused at startup (config/web-hooks.ts), so the request
  // carries none; fidelity.md records how real Kratos treats a hook without `body`.
  return fetch(hook.url, {
    method: hook.method,
    headers,
    signal: AbortSignal.timeout(timeoutMs),
  });
}

const gatewayTimeout = (cause: unknown) =>
  new KratosError(504, 'the webhook did not answer in time', {
    reason: 'A third-party upstream service could not be reached. Please try again later.',
    cause,
  });

function warnIgnored(ctx: ServerContext, hook: WebHookConfig, err: unknown): void {
  ctx.log(
    'warn',
    'Webhook request failed but the error was ignored because the configuration indicated that the upstream response should be ignored',
    { hook: nameOf(hook), err },
  );
}

/** For logs: the hook's id, else its URL without query or credentials (they may hold secrets). */
function nameOf(hook: WebHookConfig): string {
  if (hook.id) return hook.id;
  const url = new URL(hook.url);
  return `${url.origin}${url.pathname}`;
}

const isTimeout = (err: unknown): boolean =>
  err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError');

async function readJSON(answer: Response): Promise<unknown> {
  const reader = answer.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const read = await reader?.read();
      if (!read || read.done) break;
      size += read.value.byteLength;
      if (size > MAX_ANSWER_BYTES) {
        await reader?.cancel();
        break;
      }
      chunks.push(read.value);
    }
  } catch (err) {
    // The timeout also covers reading the answer.
    if (isTimeout(err)) throw gatewayTimeout(err);
    throw internal(err);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw internal(
      new Error('webhook response could not be unmarshalled properly from JSON', { cause: err }),
    );
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `#/traits/email` → `traits.email` (a JSON pointer to the node it names; "" = the form). */
export function nodeNameOf(pointer: unknown): string {
  if (typeof pointer !== 'string') return '';
  return pointer
    .replace(/^#/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

/** Kratos's rawHookResponse: { messages: [{ instance_ptr, messages: [{ id, text, type, context }] }] }. */
function problemsIn(body: unknown): Array<{ name: string; message: UIText }> {
  const groups = isObject(body) && Array.isArray(body.messages) ? body.messages : [];
  const problems = groups.flatMap((group: unknown) => {
    if (!isObject(group)) return [];
    const name = nodeNameOf(group.instance_ptr);
    const details = Array.isArray(group.messages) ? group.messages : [];
    return details.filter(isObject).map((d) => ({
      name,
      message: uiText(
        typeof d.id === 'number' ? d.id : 0,
        typeof d.text === 'string' ? d.text : '',
        d.type === 'error' ? 'error' : 'info',
        isObject(d.context) ? d.context : undefined,
      ),
    }));
  });
  // Kratos: "error while parsing webhook response: got no validation errors" fails the flow.
  if (problems.length === 0) {
    throw internal(new Error('error while parsing webhook response: got no validation errors'));
  }
  return problems;
}

function applyIdentity(identity: HookIdentityDraft, body: unknown): void {
  const changed = isObject(body) ? body.identity : undefined;
  if (!isObject(changed)) return;
  // As Kratos: only the fields the answer fills replace the identity's.
  if (isObject(changed.traits) && Object.keys(changed.traits).length) {
    identity.traits = changed.traits;
  }
  if (isObject(changed.metadata_public) && Object.keys(changed.metadata_public).length) {
    identity.metadata_public = changed.metadata_public;
  }
  if (isObject(changed.metadata_admin) && Object.keys(changed.metadata_admin).length) {
    identity.metadata_admin = changed.metadata_admin;
  }
}
