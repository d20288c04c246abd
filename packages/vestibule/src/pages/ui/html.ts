// Named `markup`, not `html`: Prettier reformats `html`-tagged templates as HTML and would rewrite
// `<input${…}>` into an element with a closing tag.
// Auto-escaping HTML templates in the style of lit-html / hono's `html` helper: every interpolated value
// is escaped unless it is itself the output of `markup` (a SafeHTML). Nothing else can mark a string safe
// except `unsafeRaw`, which is only used for our own static assets (CSS, the inline script).

import { escapeHTML } from '../../lib/html.ts';

export { escapeHTML };

export class SafeHTML {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export type HTMLValue = SafeHTML | string | number | boolean | null | undefined | HTMLValue[];

function render(value: HTMLValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHTML) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHTML(String(value));
}

export function markup(strings: TemplateStringsArray, ...values: HTMLValue[]): SafeHTML {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '');
  }
  return new SafeHTML(out);
}

/** Only for trusted static text shipped with this package (CSS, the inline script). */
export function unsafeRaw(trusted: string): SafeHTML {
  return new SafeHTML(trusted);
}

/**
 * Renders `name="value"` pairs. Names are fixed by our code; values are escaped. `true` renders a
 * boolean attribute, `false`/null/undefined omits it.
 */
export function attrs(
  pairs: Record<string, string | number | boolean | null | undefined>,
): SafeHTML {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(pairs)) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TypeError(`invalid attribute name: ${name}`);
    if (value === null || value === undefined || value === false) continue;
    parts.push(value === true ? name : `${name}="${escapeHTML(String(value))}"`);
  }
  return new SafeHTML(parts.length ? ' ' + parts.join(' ') : '');
}
