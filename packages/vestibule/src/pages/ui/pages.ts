// Whole pages: a flow page (title, flow messages, forms, links), the error page, the logout confirmation.
import { attrs, markup, type SafeHTML } from './html.ts';
import type { FlowType, RawFlow, UIText } from './flow-types.ts';
import { renderFlowForms, type FormsContext } from './forms.ts';
import { renderLayout, type Theme } from './layout.ts';
import { renderMessages } from './messages.ts';
import type { PageTextKey, Texts } from './texts.ts';

export interface PageChrome {
  texts: Texts;
  theme: Theme;
  nonce: string;
  lang: string;
  stylesheetHref: string;
}

export interface FlowPageInput extends PageChrome {
  flow: RawFlow;
  flowType: FlowType;
  /** The form action, already same-origin. */
  action: string;
  forms: FormsContext;
  links: Array<{ href: string; key: PageTextKey }>;
  notices: PageNotice[];
}

/** An edge notice above the form; `context` fills the text's placeholders. */
export interface PageNotice {
  key: PageTextKey;
  context?: Record<string, number>;
}

export function renderFlowPage(input: FlowPageInput): string {
  const { flow, texts } = input;
  const notices: UIText[] = input.notices.map(({ key, context }) => ({
    type: 'info',
    text: texts.page(key, context),
  }));
  const messages = [...notices, ...(flow.ui.messages ?? [])];
  const body = markup`${messages.length ? markup`<div class="flow-messages">${renderMessages(messages, texts)}</div>` : ''}
  ${renderFlowForms(flow, input.flowType, input.action, input.forms)}
  ${renderLinks(input.links, texts)}`;
  return renderLayout({
    ...chrome(input),
    title: flowTitle(flow, input.flowType, texts),
    body,
    wide: input.flowType === 'settings',
  });
}

export function flowTitle(flow: RawFlow, flowType: FlowType, texts: Texts): string {
  if (flowType === 'login' && flow.refresh === true)
    return texts.page('vestibule.login.refresh.title');
  if (flowType === 'login' && flow.requested_aal === 'aal2')
    return texts.page('vestibule.login.aal2.title');
  return texts.page(`vestibule.${flowType}.title`);
}

export interface ErrorPageInput extends PageChrome {
  message: string;
  requestId: string;
  links: Array<{ href: string; key: PageTextKey }>;
}

export function renderErrorPage(input: ErrorPageInput): string {
  const { texts } = input;
  const body = markup`<div class="flow-messages">
      <div class="messages" role="alert"><p class="message message-error">${input.message}</p></div>
    </div>
    <p class="request-id">
      ${texts.page('vestibule.error.request_id')}: <code>${input.requestId}</code>
    </p>
    ${renderLinks(input.links, texts)}`;
  return renderLayout({ ...chrome(input), title: texts.page('vestibule.error.title'), body });
}

export interface LogoutConfirmInput extends PageChrome {
  logoutHref: string;
  cancelHref: string;
}

/** Shown when /logout was reached from another site: signing out takes one deliberate click. */
export function renderLogoutConfirm(input: LogoutConfirmInput): string {
  const { texts } = input;
  const body = markup`<p>${texts.page('vestibule.logout.confirm')}</p>
<p><a${attrs({ class: 'button button-primary', href: input.logoutHref })}>${texts.page('vestibule.logout.button')}</a></p>
${renderLinks([{ href: input.cancelHref, key: 'vestibule.link.home' }], texts)}`;
  return renderLayout({ ...chrome(input), title: texts.page('vestibule.logout.title'), body });
}

function renderLinks(
  links: Array<{ href: string; key: PageTextKey }>,
  texts: Texts,
): SafeHTML | '' {
  if (!links.length) return '';
  return markup`<nav class="links">
    ${links.map((l) => markup`<a${attrs({ href: l.href })}>${texts.page(l.key)}</a>`)}
  </nav>`;
}

function chrome(input: PageChrome) {
  return {
    nonce: input.nonce,
    theme: input.theme,
    stylesheetHref: input.stylesheetHref,
    lang: input.lang,
  };
}
