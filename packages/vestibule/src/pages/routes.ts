// The URLs the pages build: their own paths, and the proxy's flow-initialisation URLs.
import type { FlowType } from './ui/flow-types.ts';

/**
 * Query parameters Kratos's `GET /self-service/<flow>/browser` understands (OpenAPI v26), kept when
 * the pages start or restart a flow. Anything else in the page URL is dropped.
 */
export const INIT_PARAMS: Record<FlowType, readonly string[]> = {
  login: [
    'return_to',
    'refresh',
    'aal',
    'login_challenge',
    'organization',
    'via',
    'identity_schema',
  ],
  registration: [
    'return_to',
    'login_challenge',
    'after_verification_return_to',
    'organization',
    'identity_schema',
  ],
  recovery: ['return_to'],
  verification: ['return_to'],
  settings: ['return_to'],
};

export type PageName = FlowType | 'logout' | 'error';
export const PAGE_NAMES: readonly PageName[] = [
  'login',
  'registration',
  'recovery',
  'verification',
  'settings',
  'logout',
  'error',
];
export const STYLESHEET_PATH = '/_vestibule/pages.css';

export interface Routes {
  page(name: PageName, query?: Record<string, string | undefined>): string;
  /** `<proxy>/self-service/<flow>/browser?…` keeping the page's init params. */
  init(
    flowType: FlowType,
    pageQuery: URLSearchParams,
    options?: { dropReturnTo?: boolean },
  ): string;
  /** Which page a pathname is, or undefined. */
  match(pathname: string): PageName | 'stylesheet' | undefined;
}

export function createRoutes(basePath: string, proxyPrefix: string): Routes {
  return {
    page(name, query = {}) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(query))
        if (value !== undefined) search.set(key, value);
      const qs = search.toString();
      return `${basePath}/${name}${qs ? '?' + qs : ''}`;
    },
    init(flowType, pageQuery, options = {}) {
      const search = new URLSearchParams();
      for (const key of INIT_PARAMS[flowType]) {
        if (options.dropReturnTo && key === 'return_to') continue;
        const value = pageQuery.get(key);
        if (value !== null && value.length <= 2048) search.set(key, value);
      }
      const qs = search.toString();
      return `${proxyPrefix}/self-service/${flowType}/browser${qs ? '?' + qs : ''}`;
    },
    match(pathname) {
      if (!pathname.startsWith(basePath + '/')) return undefined;
      const rest = pathname.slice(basePath.length);
      if (rest === STYLESHEET_PATH) return 'stylesheet';
      const name = rest.slice(1);
      return (PAGE_NAMES as readonly string[]).includes(name) ? (name as PageName) : undefined;
    },
  };
}
