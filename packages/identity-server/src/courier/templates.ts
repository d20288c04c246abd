// The built-in email templates, worded like Kratos's defaults
// (ory/kratos courier/template/courier/builtin/templates/<type>/{valid,invalid}/email.*.gotmpl).
// Each renders a subject, a plain-text body (what Kratos stores as the message `body`) and an HTML
// alternative. Values are HTML-escaped in the HTML part, as Go's html/template does.
export type TemplateType =
  | 'recovery_code_valid'
  | 'recovery_code_invalid'
  | 'recovery_valid'
  | 'recovery_invalid'
  | 'verification_code_valid'
  | 'verification_code_invalid'
  | 'verification_valid'
  | 'verification_invalid';

export interface TemplateData {
  /** Recipient address (Kratos: `.To`). */
  to: string;
  /** The one-time code (recovery_code_valid, verification_code_valid). */
  code?: string;
  /** The link to click (recovery_valid, verification_valid, verification_code_valid). */
  url?: string;
  /** Minutes until the code/link expires (Kratos: `.ExpiresInMinutes`). */
  expiresInMinutes?: number;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

// A template is a list of paragraphs; a paragraph is literal text or a value to show on its own.
type Part = string | { value: string; kind: 'code' | 'link' };
interface Template {
  subject: (d: TemplateData) => string;
  paragraphs: (d: TemplateData) => Part[];
}

const expiry = (d: TemplateData, what: string) =>
  `If this was not you, do nothing. This ${what} expires in ${d.expiresInMinutes ?? 60} minutes.`;

const unknownAddress = (action: string): Part[] => [
  'Hi,',
  `you (or someone else) entered this email address when trying to ${action}.`,
  'However, this email address is not on our database of registered users and therefore the attempt has failed.',
  'If this was you, check if you signed up using a different address.',
  'If this was not you, please ignore this email.',
];

const TEMPLATES: Record<TemplateType, Template> = {
  recovery_code_valid: {
    subject: (d) => `Use code ${d.code} to recover access to your account`,
    paragraphs: (d) => [
      'Recover access to your account by entering the following code:',
      { value: d.code ?? '', kind: 'code' },
      expiry(d, 'code'),
    ],
  },
  recovery_code_invalid: {
    subject: () => 'Account access attempted',
    paragraphs: () => unknownAddress('recover access to an account'),
  },
  recovery_valid: {
    subject: () => 'Recover access to your account',
    paragraphs: (d) => [
      'Recover access to your account by clicking the following link:',
      { value: d.url ?? '', kind: 'link' },
      expiry(d, 'link'),
    ],
  },
  recovery_invalid: {
    subject: () => 'Account access attempted',
    paragraphs: () => unknownAddress('recover access to an account'),
  },
  verification_code_valid: {
    subject: (d) => `Use code ${d.code} to verify your account`,
    paragraphs: (d) => [
      'Verify your account with the following code:',
      { value: d.code ?? '', kind: 'code' },
      ...(d.url
        ? ['or clicking the following link:', { value: d.url, kind: 'link' as const }]
        : []),
      expiry(d, d.url ? 'code / link' : 'code'),
    ],
  },
  verification_code_invalid: {
    subject: () => 'Someone tried to verify this email address',
    paragraphs: () => unknownAddress('verify an account'),
  },
  verification_valid: {
    subject: () => 'Please verify your email address',
    paragraphs: (d) => [
      'Please verify your account by clicking the following link:',
      { value: d.url ?? '', kind: 'link' },
      expiry(d, 'link'),
    ],
  },
  verification_invalid: {
    subject: () => 'Someone tried to verify this email address',
    paragraphs: () => unknownAddress('verify an account'),
  },
};

export function isTemplateType(value: string): value is TemplateType {
  return Object.hasOwn(TEMPLATES, value);
}

export function escapeHTML(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function partToHTML(part: Part): string {
  if (typeof part === 'string') return `<p>${escapeHTML(part)}</p>`;
  const value = escapeHTML(part.value);
  if (part.kind === 'code') {
    return `<p style="font-size:24px;font-weight:bold;letter-spacing:4px">${value}</p>`;
  }
  return `<p><a href="${value}">${value}</a></p>`;
}

export function renderEmail(type: TemplateType, data: TemplateData): RenderedEmail {
  const template = TEMPLATES[type];
  const text = template
    .paragraphs(data)
    .map((p) => (typeof p === 'string' ? p : p.value))
    .join('\n\n');
  // A subject is a header: strip line breaks so a value can never inject another header.
  const subject = template.subject(data).replace(/[\r\n]+/g, ' ');
  return { subject, text: text + '\n', html: renderHTML(text) };
}

/**
 * The HTML alternative of a plain-text body. Kratos keeps the template data beside the message and
 * re-renders at dispatch; we store only the plain-text body (the wire `body`) and render its
 * paragraphs as HTML at dispatch, so both parts always say the same thing. A paragraph that is a
 * 6-digit code is emphasised; one that is a single http(s) URL becomes a link.
 */
export function renderHTML(body: string): string {
  const parts: Part[] = body
    .trimEnd()
    .split(/\n{2,}/)
    .map((p) =>
      /^\d{6}$/.test(p)
        ? { value: p, kind: 'code' as const }
        : /^https?:\/\/\S+$/.test(p)
          ? { value: p, kind: 'link' as const }
          : p,
    );
  return (
    '<!doctype html><html><body style="font-family:sans-serif">' +
    parts.map(partToHTML).join('') +
    '</body></html>'
  );
}
