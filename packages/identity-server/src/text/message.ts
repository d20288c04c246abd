// Kratos's text.Message (text/message.go): the one shape every UI message has on the wire, built by
// one constructor. Ids are a public contract (UIs translate by id; shared/ory/elements/messages.en.json
// has the English texts), so each family file (message-*.ts, as Kratos's text/message_*.go) only
// names ids, texts and context keys.

/** A message as Kratos puts it on ui.messages / node.messages. */
export interface UIText {
  id: number;
  text: string;
  type: 'info' | 'error' | 'success';
  context?: Record<string, unknown>;
}

/** The one UIText constructor; `context` is left off the wire when absent, as Kratos omits it. */
export function uiText(
  id: number,
  text: string,
  type: UIText['type'],
  context?: Record<string, unknown>,
): UIText {
  return context ? { id, text, type, context } : { id, text, type };
}

/**
 * Every flow's "expired" error (Kratos NewErrorValidation<Flow>FlowExpired): minutes as `%.2f`,
 * and the same context keys for each flow.
 */
export function flowExpired(id: number, flow: string, at: Date, now: Date): UIText {
  const minutes = ((now.getTime() - at.getTime()) / 60_000).toFixed(2);
  return uiText(id, `The ${flow} flow expired ${minutes} minutes ago, please try again.`, 'error', {
    expired_at: at.toISOString(),
    expired_at_unix: Math.floor(at.getTime() / 1000),
  });
}

/** Every flow's "already completed" error (Kratos NewErrorValidation<Flow>RetrySuccess). */
export const retrySuccess = (id: number): UIText =>
  uiText(id, 'The request was already completed successfully and can not be retried.', 'error');
