// `vestibule/pages`: the server-rendered self-service pages (login, registration, recovery,
// verification, settings, logout, error) from Kratos's `ui.nodes`.
/**
 * @example
 * ```ts
 * import { createSelfServicePages } from 'vestibule/pages';
 * const pages = createSelfServicePages({ kratosPublicURL: 'http://kratos:4433', proxyPrefix: '/api/ory' });
 * const response = await pages(request); // null for paths it does not own
 * ```
 */
export { createSelfServicePages } from './handler.ts';
export type { SelfServicePages, PagesRequestContext } from './handler.ts';
export type { SelfServicePagesOptions } from './options.ts';
export { PAGE_TEXTS, type PageTextKey } from './ui/texts.ts';
