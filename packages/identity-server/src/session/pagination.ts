// Keyset-style pagination as Kratos exposes it: `page_size` + opaque `page_token`, and a `Link`
// header with rel="next"/"first" pointing at the same endpoint.
import { badRequest } from '../http/errors.ts';

export interface PageRequest {
  page_size: number;
  page_token?: string;
}

export function readPageRequest(url: URL, defaults = { size: 250, max: 1000 }): PageRequest {
  const rawSize = url.searchParams.get('page_size') ?? url.searchParams.get('per_page');
  let size = defaults.size;
  if (rawSize !== null) {
    size = Number(rawSize);
    if (!Number.isInteger(size) || size < 1)
      throw badRequest('page_size must be a positive integer');
    size = Math.min(size, defaults.max);
  }
  const token = url.searchParams.get('page_token');
  return { page_size: size, ...(token ? { page_token: token } : {}) };
}

export function linkHeader(publicBase: string, url: URL, size: number, next?: string): string {
  const base = `${publicBase.replace(/\/+$/, '')}${url.pathname}`;
  const link = (params: Record<string, string>, rel: string) => {
    const target = new URL(base);
    for (const [key, value] of url.searchParams) {
      if (key !== 'page_token' && key !== 'page_size') target.searchParams.set(key, value);
    }
    for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
    return `<${target.toString()}>; rel="${rel}"`;
  };
  const links = [link({ page_size: String(size) }, 'first')];
  if (next) links.push(link({ page_size: String(size), page_token: next }, 'next'));
  return links.join(',');
}

/** Slices an in-memory list with an offset token (used where the persister returns whole lists). */
export function slicePage<T>(items: T[], page: PageRequest): { items: T[]; next?: string } {
  const offset = page.page_token ? Number.parseInt(page.page_token, 36) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw badRequest('page_token is invalid');
  const slice = items.slice(offset, offset + page.page_size);
  const end = offset + slice.length;
  return end < items.length ? { items: slice, next: end.toString(36) } : { items: slice };
}
