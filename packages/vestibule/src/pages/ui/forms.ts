// Nodes grouped as Kratos groups them. Login, registration, recovery and verification post one
// `ui.action` with the chosen `method`, so they render as one form with a section per group (default
// first, then method groups in Kratos's order). Settings methods are independent updates, so each
// group is its own form carrying the hidden default inputs (csrf_token) — like Kratos's reference UI.
import { attrs, markup, type SafeHTML } from './html.ts';
import type { FlowType, RawFlow, UINode } from './flow-types.ts';
import { isHiddenInput, renderNode, type NodeRenderContext } from './nodes.ts';
import type { PageTextKey } from './texts.ts';

/** Groups whose inputs every method shares; never a form of their own on the settings page. */
const SHARED_GROUPS = new Set(['default', 'captcha']);
const SOCIAL_GROUPS = new Set(['oidc', 'saml']);
const TEXT_LIKE = new Set([
  undefined,
  'text',
  'email',
  'password',
  'number',
  'tel',
  'url',
  'date',
  'datetime-local',
]);

export type FormsContext = Omit<NodeRenderContext, 'focus' | 'noValidate'> & {
  /** The captcha widget, rendered once right above the form's first submit button. */
  captchaWidget?: SafeHTML;
};

export function groupNodes(nodes: UINode[]): Map<string, UINode[]> {
  const groups = new Map<string, UINode[]>();
  if (nodes.some((n) => n.group === 'default')) groups.set('default', []);
  for (const node of nodes) {
    const group = typeof node.group === 'string' && node.group ? node.group : 'default';
    const list = groups.get(group) ?? [];
    list.push(node);
    groups.set(group, list);
  }
  return groups;
}

export function renderFlowForms(
  flow: RawFlow,
  flowType: FlowType,
  action: string,
  base: FormsContext,
): SafeHTML {
  const groups = groupNodes(flow.ui.nodes);
  if (flowType === 'settings') return renderSettingsForms(groups, action, base);
  const ctx: NodeRenderContext = {
    ...base,
    focus: pickFocus(flow.ui.nodes, { emptyFieldFallback: true }),
    noValidate: submitsWithoutValidation(flow.ui.nodes),
  };
  const widget = { pending: base.captchaWidget };
  const sections = [...groups].map(([group, nodes]) => renderSection(group, nodes, ctx, widget));
  // No submit button at all (unusual): the widget still goes in the form.
  return markup`<form${formAttrs(action, 'flow')}>${sections}${widget.pending ?? ''}</form>`;
}

function renderSection(
  group: string,
  nodes: UINode[],
  ctx: NodeRenderContext,
  widget: { pending: SafeHTML | undefined } = { pending: undefined },
): SafeHTML {
  const rendered = nodes.map((n) => {
    if (!widget.pending || !isSubmit(n)) return renderNode(n, ctx);
    const before = widget.pending;
    widget.pending = undefined;
    return markup`${before}${renderNode(n, ctx)}`;
  });
  return markup`<div${attrs({ class: `group group-${cssName(group)}`, 'data-group': group })}>${rendered}</div>`;
}

function isSubmit(node: UINode): boolean {
  return node.type === 'input' && node.attributes.type === 'submit';
}

function renderSettingsForms(
  groups: Map<string, UINode[]>,
  action: string,
  base: FormsContext,
): SafeHTML {
  const shared = [...groups].filter(([g]) => SHARED_GROUPS.has(g)).flatMap(([, nodes]) => nodes);
  const sharedHidden = shared.filter(isHiddenInput);
  let sharedVisible = shared.filter((n) => !isHiddenInput(n));
  const all = [...groups.values()].flat();
  const focus = pickFocus(all, { emptyFieldFallback: false });
  const forms: SafeHTML[] = [];
  for (const [group, nodes] of groups) {
    if (SHARED_GROUPS.has(group)) continue;
    const ctx: NodeRenderContext = { ...base, focus, noValidate: new Set() };
    const headingId = base.ids.allocate(`heading-${group}`);
    const heading = base.texts.page(`vestibule.group.${group}` as PageTextKey) || group;
    const body = [...sharedHidden, ...sharedVisible, ...nodes].map((n) => renderNode(n, ctx));
    sharedVisible = [];
    forms.push(markup`<section${attrs({ class: `settings-group group-${cssName(group)}`, 'aria-labelledby': headingId })}>
<h2${attrs({ id: headingId })}>${heading}</h2>
<form${formAttrs(action, group)}>${body}</form>
</section>`);
  }
  return markup`${forms}`;
}

function formAttrs(action: string, group: string): SafeHTML {
  return attrs({
    class: 'flow-form',
    method: 'post',
    action,
    'accept-charset': 'UTF-8',
    'data-group': group,
    'data-vestibule-form': true,
  });
}

/** The first field with an error; otherwise (not on settings, which is pre-filled) the first empty one. */
function pickFocus(nodes: UINode[], options: { emptyFieldFallback: boolean }): UINode | undefined {
  const fields = nodes.filter(
    (n) =>
      n.type === 'input' &&
      (TEXT_LIKE.has(n.attributes.type as string) || n.attributes.type === 'checkbox') &&
      n.attributes.disabled !== true,
  );
  const withError = fields.find((n) => n.messages?.some((m) => m.type === 'error'));
  if (withError || !options.emptyFieldFallback) return withError;
  return fields.find((n) => TEXT_LIKE.has(n.attributes.type as string) && !n.attributes.value);
}

/**
 * In the single form, a method's submit button must not be blocked by another method's required
 * fields (choosing "Send code" should not demand the password). Social sign-in needs no field at all.
 * Kratos validates every submission server-side, so skipping browser validation loses nothing.
 */
function submitsWithoutValidation(nodes: UINode[]): Set<UINode> {
  const requiredGroups = new Set(
    nodes
      .filter((n) => n.type === 'input' && n.attributes.required === true && !isHiddenInput(n))
      .map((n) => n.group),
  );
  const result = new Set<UINode>();
  for (const node of nodes) {
    if (node.type !== 'input' || node.attributes.type !== 'submit') continue;
    const othersRequired = [...requiredGroups].some(
      (g) => g !== node.group && !SHARED_GROUPS.has(g),
    );
    if (othersRequired || SOCIAL_GROUPS.has(node.group)) result.add(node);
  }
  return result;
}

function cssName(group: string): string {
  return group.replace(/[^A-Za-z0-9_-]/g, '-');
}
