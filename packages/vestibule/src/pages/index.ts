// Public API of the self-service pages.
export { createSelfServicePages } from './handler.ts';
export type { SelfServicePages, PagesRequestContext } from './handler.ts';
export type { SelfServicePagesOptions } from './options.ts';
export { PAGE_TEXTS, type PageTextKey } from './ui/texts.ts';
