// UI nodes of the `code` method for recovery and verification, in the order and shape of Kratos's
// recorded responses (shared/ory/elements/flows/{recovery,verification}/code/*.json).
import type { UINode, UIText } from '../../../driver/context.ts';
import { csrfNode, inputNode } from '../../../ui/node.ts';
import { nodeText } from '../../../text/index.ts';

// Kratos puts the csrf_token node on recovery flows (empty on API flows) — and on verification
// flows of browsers only: an API verification flow gets it (empty) only when an error re-renders
// the flow (shared/ory/kratos/transcripts/verification-code.json).
const maybeCSRF = (kind: 'recovery' | 'verification', csrfMasked?: string): UINode[] =>
  kind === 'verification' && csrfMasked === undefined ? [] : [csrfNode(csrfMasked ?? '')];

/** choose_method: an email field and "Continue". Recovery puts the CSRF node first, verification last. */
export function chooseMethodNodes(
  kind: 'recovery' | 'verification',
  options: { csrfMasked?: string; email?: string; method?: 'code' | 'link' } = {},
): UINode[] {
  // Kratos's `link` strategy renders the same form in its own group, submitting method=link.
  const method = options.method ?? 'code';
  const email = inputNode(
    method,
    {
      name: 'email',
      type: 'email',
      required: true,
      ...(options.email ? { value: options.email } : {}),
    },
    nodeText.emailLabel(),
  );
  const submit = inputNode(
    method,
    { name: 'method', type: 'submit', value: method },
    nodeText.continueLabel(),
  );
  return kind === 'recovery'
    ? [...maybeCSRF(kind, options.csrfMasked), email, submit]
    : [email, submit, ...maybeCSRF(kind, options.csrfMasked)];
}

function codeInput(kind: 'recovery' | 'verification'): UINode {
  const label: UIText =
    kind === 'recovery' ? nodeText.recoveryCodeLabel() : nodeText.verificationCodeLabel();
  return inputNode(
    'code',
    {
      name: 'code',
      type: 'text',
      required: true,
      autocomplete: 'one-time-code',
      ...(kind === 'recovery' ? { pattern: '[0-9]+', maxlength: 6 } : {}),
    },
    label,
  );
}

/** sent_email: the code field, a hidden method, "Continue", and "Resend code" (submits the email). */
export function sentEmailNodes(
  kind: 'recovery' | 'verification',
  options: { csrfMasked?: string; email: string },
): UINode[] {
  const hidden = inputNode('code', { name: 'method', type: 'hidden', value: 'code' });
  const submit = inputNode(
    'code',
    { name: 'method', type: 'submit', value: 'code' },
    nodeText.continueLabel(),
  );
  const resend = inputNode(
    'code',
    { name: 'email', type: 'submit', value: options.email },
    nodeText.resendLabel(),
  );
  return kind === 'recovery'
    ? [...maybeCSRF(kind, options.csrfMasked), codeInput(kind), hidden, submit, resend]
    : [hidden, codeInput(kind), submit, ...maybeCSRF(kind, options.csrfMasked), resend];
}

/** passed_challenge of verification: a "Continue" link to where the user was going. */
export function continueLinkNode(href: string): UINode {
  return {
    type: 'a',
    group: 'code',
    attributes: { href, title: nodeText.continueLabel(), id: 'continue', node_type: 'a' },
    messages: [],
    meta: { label: nodeText.continueLabel() },
  };
}
