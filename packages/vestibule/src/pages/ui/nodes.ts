// One renderer per Kratos UI node type (input, text, img, a, script, div), from the raw attributes.
// Kratos's own attribute names are kept where they mean something to its scripts (ids such as
// `captcha_turnstile_inject`, input names and values); everything else is fixed markup.
import { attrs, markup, type SafeHTML } from './html.ts';
import type { UINode, UIText } from './flow-types.ts';
import type { Texts } from './texts.ts';
import { renderMessages } from './messages.ts';
import { safeURL } from './safe-url.ts';

export interface NodeRenderContext {
  texts: Texts;
  /** Per-response CSP nonce for the scripts Kratos asks us to load (WebAuthn, captcha). */
  nonce: string;
  /** Turns URLs Kratos wrote for itself into same-origin URLs (through the proxy). */
  toSameOrigin: (url: string) => string;
  ids: IdAllocator;
  /** The node that receives `autofocus` (first field with an error, else the first empty field). */
  focus?: UINode;
  /** Submit buttons that skip browser validation (methods that do not need the other methods' fields). */
  noValidate: ReadonlySet<UINode>;
}

/** Input types Kratos emits (contract doc); anything else renders as a text field. */
const INPUT_TYPES = new Set([
  'text',
  'email',
  'password',
  'number',
  'tel',
  'datetime-local',
  'date',
  'url',
]);

/** Kratos's WebAuthn/passkey scripts define these globals; only `ory*` names may be triggered. */
const TRIGGER_NAME = /^ory[A-Za-z0-9]{1,64}$/;

export class IdAllocator {
  private readonly used = new Map<string, number>();
  allocate(base: string): string {
    const clean = 'f-' + (base.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 64) || 'node');
    const n = this.used.get(clean) ?? 0;
    this.used.set(clean, n + 1);
    return n === 0 ? clean : `${clean}-${n + 1}`;
  }
}

export function renderNode(node: UINode, ctx: NodeRenderContext): SafeHTML {
  switch (node.type) {
    case 'input':
      return renderInput(node, ctx);
    case 'text':
      return renderText(node, ctx);
    case 'img':
      return renderImage(node, ctx);
    case 'a':
      return renderAnchor(node, ctx);
    case 'script':
      return renderScript(node, ctx);
    case 'div':
      return markup`<div${attrs({ id: str(node.attributes.id), class: 'node-div' })}></div>`;
    default:
      // A node type newer than this renderer: show its label and messages rather than drop it silently.
      return markup`<div class="node-unknown">
        ${ctx.texts.message(node.meta?.label)}${renderMessages(node.messages, ctx.texts)}
      </div>`;
  }
}

export function isHiddenInput(node: UINode): boolean {
  return node.type === 'input' && node.attributes.type === 'hidden';
}

function renderInput(node: UINode, ctx: NodeRenderContext): SafeHTML {
  const a = node.attributes;
  const type = str(a.type) ?? 'text';
  if (type === 'hidden') {
    return markup`<input${attrs({
      type: 'hidden',
      name: str(a.name),
      value: valueOf(a.value),
      // Passkey autocomplete (`oryPasskeyLoginAutocompleteInit`) hangs off a hidden input.
      'data-ory-onload': triggerName(a.onloadTrigger),
    })}>${renderMessages(node.messages, ctx.texts)}`;
  }
  if (type === 'submit' || type === 'button') return renderButton(node, ctx, type);
  if (type === 'checkbox') return renderCheckbox(node, ctx);
  return renderField(node, ctx, type);
}

function renderButton(node: UINode, ctx: NodeRenderContext, type: 'submit' | 'button'): SafeHTML {
  const a = node.attributes;
  const trigger = str(a.onclickTrigger);
  const label = ctx.texts.message(node.meta?.label) || valueOf(a.value) || '';
  const isSocial = node.group === 'oidc' || node.group === 'saml';
  const button = markup`<button${attrs({
    type,
    name: str(a.name),
    value: valueOf(a.value),
    disabled: a.disabled === true,
    formnovalidate: type === 'submit' && ctx.noValidate.has(node),
    class: `button ${isSocial ? 'button-social' : type === 'submit' ? 'button-primary' : 'button-secondary'}`,
    'data-provider': isSocial ? valueOf(a.value) : undefined,
    // Kratos's inline `onclick` is never rendered (CSP forbids inline handlers); the trigger name is
    // called by our nonce'd script instead, as Ory Elements does with `triggerToWindowCall`.
    'data-ory-trigger': trigger && TRIGGER_NAME.test(trigger) ? trigger : undefined,
  })}>${label}</button>`;
  return markup`<div class="field field-button">
    ${button}${renderMessages(node.messages, ctx.texts)}
  </div>`;
}

function renderCheckbox(node: UINode, ctx: NodeRenderContext): SafeHTML {
  const a = node.attributes;
  const id = ctx.ids.allocate(str(a.name) ?? 'checkbox');
  const messagesId = node.messages?.length ? `${id}-messages` : undefined;
  return markup`<div class="field field-checkbox">
<input${attrs({
    type: 'checkbox',
    id,
    name: str(a.name),
    value: 'true',
    checked: a.value === true || a.value === 'true',
    required: a.required === true,
    disabled: a.disabled === true,
    autofocus: ctx.focus === node,
    'aria-invalid': hasError(node.messages) ? 'true' : undefined,
    'aria-describedby': messagesId,
  })}>
<label${attrs({ for: id })}>${ctx.texts.message(node.meta?.label)}</label>
${renderMessages(node.messages, ctx.texts, messagesId)}</div>`;
}

function renderField(node: UINode, ctx: NodeRenderContext, type: string): SafeHTML {
  const a = node.attributes;
  const id = ctx.ids.allocate(str(a.name) ?? 'field');
  const messagesId = node.messages?.length ? `${id}-messages` : undefined;
  const common = {
    id,
    name: str(a.name),
    required: a.required === true,
    disabled: a.disabled === true,
    autofocus: ctx.focus === node,
    'aria-invalid': hasError(node.messages) ? 'true' : undefined,
    'aria-describedby': messagesId,
  };
  const control = Array.isArray(a.options)
    ? renderSelect(a.options, valueOf(a.value), common)
    : markup`<input${attrs({
        ...common,
        type: INPUT_TYPES.has(type) ? type : 'text',
        value: type === 'password' ? undefined : valueOf(a.value),
        autocomplete: str(a.autocomplete),
        pattern: str(a.pattern),
        maxlength: typeof a.maxlength === 'number' ? a.maxlength : undefined,
        'data-ory-onload': triggerName(a.onloadTrigger),
      })}>`;
  const label = ctx.texts.message(node.meta?.label);
  return markup`<div class="field">
<label${attrs({ for: id })}>${label}${a.required === true ? markup`<span class="required" aria-hidden="true"> *</span>` : ''}</label>
${control}
${renderMessages(node.messages, ctx.texts, messagesId)}</div>`;
}

/** Enum traits (`options` in the node) become a select, as Ory Elements renders them. */
function renderSelect(
  options: unknown[],
  current: string | undefined,
  common: Record<string, string | boolean | undefined>,
): SafeHTML {
  const items = options.map((option) => {
    const value = valueOf((option as { value?: unknown } | null)?.value) ?? '';
    return markup`<option${attrs({ value, selected: value === current })}>${value}</option>`;
  });
  return markup`<select${attrs(common)}><option value=""></option>${items}</select>`;
}

function renderText(node: UINode, ctx: NodeRenderContext): SafeHTML {
  const text = node.attributes.text as UIText | undefined;
  const secrets = text?.context?.secrets;
  const body = Array.isArray(secrets)
    ? markup`<ul class="secrets">
        ${secrets.map((s) => markup`<li><code>${ctx.texts.message(s as UIText)}</code></li>`)}
      </ul>`
    : text?.context && 'secret' in text.context
      ? markup`<p><code class="secret">${ctx.texts.message(text)}</code></p>`
      : markup`<p>${ctx.texts.message(text)}</p>`;
  const label = ctx.texts.message(node.meta?.label);
  return markup`<div${attrs({ class: 'node-text', id: str(node.attributes.id) })}>${label ? markup`<p class="node-label">${label}</p>` : ''}${body}${renderMessages(node.messages, ctx.texts)}</div>`;
}

function renderImage(node: UINode, ctx: NodeRenderContext): SafeHTML {
  const a = node.attributes;
  const label = ctx.texts.message(node.meta?.label);
  const src = safeURL(str(a.src), ctx.toSameOrigin, { allowDataImage: true });
  return markup`<figure class="node-img"><img${attrs({
    src,
    id: str(a.id),
    alt: label,
    width: typeof a.width === 'number' ? a.width : undefined,
    height: typeof a.height === 'number' ? a.height : undefined,
  })}>${label ? markup`<figcaption>${label}</figcaption>` : ''}</figure>`;
}

function renderAnchor(node: UINode, ctx: NodeRenderContext): SafeHTML {
  const a = node.attributes;
  const title = ctx.texts.message(a.title as UIText | undefined);
  const label = ctx.texts.message(node.meta?.label) || title;
  const href = safeURL(str(a.href), ctx.toSameOrigin, { allowDataImage: false });
  return markup`<p class="node-a"><a${attrs({ href, id: str(a.id), class: 'button button-link' })}>${label}</a></p>`;
}

function renderScript(node: UINode, ctx: NodeRenderContext): SafeHTML {
  const a = node.attributes;
  const src = safeURL(str(a.src), ctx.toSameOrigin, { allowDataImage: false });
  if (!src) return markup``;
  // Our own per-response nonce, not Kratos's: the CSP we send is what decides what may run.
  return markup`<script${attrs({
    src,
    id: str(a.id),
    type: str(a.type) === 'module' ? 'module' : undefined,
    async: a.async === true,
    crossorigin:
      str(a.crossorigin) === 'use-credentials'
        ? 'use-credentials'
        : str(a.crossorigin)
          ? 'anonymous'
          : undefined,
    integrity: str(a.integrity) || undefined,
    referrerpolicy: str(a.referrerpolicy),
    nonce: ctx.nonce,
  })}></script>`;
}

function triggerName(value: unknown): string | undefined {
  const name = str(value);
  return name && TRIGGER_NAME.test(name) ? name : undefined;
}

function hasError(messages: UIText[] | undefined): boolean {
  return messages?.some((m) => m.type === 'error') ?? false;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Kratos values may be strings, numbers, booleans or JSON (WebAuthn options): all become strings. */
function valueOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
