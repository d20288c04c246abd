// The page shell: brand, theme variables (nonce'd <style>), the stylesheet link, the inline script.
import { attrs, markup, unsafeRaw, type SafeHTML } from './html.ts';
import { CLIENT_SCRIPT } from './client-script.ts';

export interface Theme {
  brandName: string;
  logoURL?: string;
  /** CSS custom properties, validated at construction (`--vb-accent` → `#4f46e5`). */
  variables: Readonly<Record<string, string>>;
}

export interface LayoutInput {
  title: string;
  body: SafeHTML;
  nonce: string;
  theme: Theme;
  stylesheetHref: string;
  lang: string;
  wide?: boolean;
}

export function renderLayout(input: LayoutInput): string {
  const vars = Object.entries(input.theme.variables)
    .map(([name, value]) => `${name}:${value}`)
    .join(';');
  const { brandName, logoURL } = input.theme;
  return markup`<!doctype html>
<html${attrs({ lang: input.lang })}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${input.title} · ${brandName}</title>
<link${attrs({ rel: 'stylesheet', href: input.stylesheetHref })}>
${vars ? markup`<style${attrs({ nonce: input.nonce })}>:root{${unsafeRaw(vars)}}</style>` : ''}
</head>
<body>
<main${attrs({ class: input.wide ? 'wide' : undefined })}>
<div class="brand">${logoURL ? markup`<img${attrs({ src: logoURL, alt: '' })}>` : ''}<span>${brandName}</span></div>
<div class="card">
<h1>${input.title}</h1>
${input.body}
</div>
</main>
<script${attrs({ nonce: input.nonce })}>${unsafeRaw(CLIENT_SCRIPT)}</script>
</body>
</html>`.value;
}
