// `vestibule/proxy`: the same-origin Kratos proxy, mountable at /api/ory/* in any app. See README.md.
/**
 * @example
 * ```ts
 * import { createOryProxy } from 'vestibule/proxy';
 * const proxy = createOryProxy({ kratosPublicURL: 'http://kratos:4433', prefix: '/api/ory' });
 * export const GET = (request: Request) => proxy(request); // Next.js route handler
 * ```
 */
export { createOryProxy } from './handler.ts';
export type { OryProxy, ProxyRequestInfo } from './handler.ts';
export { DEFAULT_IN_CLUSTER_HOST, DEFAULT_MAX_REQUEST_BODY_BYTES } from './options.ts';
export type {
  DoubleSubmitOptions,
  LogoutEvent,
  OryProxyOptions,
  ResolvedProxyOptions,
} from './options.ts';
