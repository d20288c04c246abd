// Kratos messages (flow level and node level). Errors are announced with role="alert" so screen readers
// read them when the page loads after a failed submit; info/success use role="status".
import { attrs, markup, type SafeHTML } from './html.ts';
import type { UIText } from './flow-types.ts';
import type { Texts } from './texts.ts';

const TYPES = new Set(['error', 'info', 'success']);

export function renderMessages(
  messages: UIText[] | undefined,
  texts: Texts,
  id?: string,
): SafeHTML | '' {
  if (!messages?.length) return '';
  const isError = messages.some((m) => m.type === 'error');
  return markup`<div${attrs({ class: 'messages', id, role: isError ? 'alert' : 'status' })}>${messages.map(
    (m) =>
      markup`<p${attrs({
        class: `message message-${TYPES.has(m.type ?? '') ? m.type : 'info'}`,
        'data-message-id': m.id,
      })}>${texts.message(m)}</p>`,
  )}</div>`;
}
