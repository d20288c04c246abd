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
  // ory/x keysetpagination.Parse: an empty page_size is no page_size; one that is not an integer
  // is 400 (strconv.Atoi's error as the reason); Paginator.Size() turns 0 into the default size.
  if (rawSize !== null && rawSize !== '') {
    if (!/^[+-]?\d+$/.test(rawSize)) {
      throw badRequest(`strconv.Atoi: parsing ${JSON.stringify(rawSize)}: invalid syntax`);
    }
    size = Number(rawSize);
    if (size < 0) throw badRequest('page_size must not be negative');
    size = size === 0 ? defaults.size : Math.min(size, defaults.max);
  }
  const token = url.searchParams.get('page_token');
  return { page_size: size, ...(token ? { page_token: token } : {}) };
}

/**
 * The Link header as ory/x keysetpagination.Header writes it: a URL relative to the server (the
 * request's path), rel="first" always and rel="next" while there is a next page, each with
 * page_size and page_token (the first page's own token on "first") beside the request's other
 * query parameters, keys sorted as Go's url.Values.Encode sorts them.
 */
export function linkHeader(url: URL, size: number, firstToken: string, next?: string): string {
  const link = (token: string, rel: string) => {
    const params = new URLSearchParams();
    for (const [key, value] of url.searchParams) {
      if (key !== 'page_token' && key !== 'page_size' && key !== 'per_page') {
        params.append(key, value);
      }
    }
    params.set('page_size', String(size));
    params.set('page_token', token);
    params.sort();
    return `<${url.pathname}?${params.toString()}>; rel="${rel}"`;
  };
  const links = [link(firstToken, 'first')];
  if (next) links.push(link(next, 'next'));
  return links.join(',');
}

/** The first page of an offset-paginated list (slicePage). */
export const FIRST_OFFSET_PAGE = '0';

/** Slices an in-memory list with an offset token (used where the persister returns whole lists). */
export function slicePage<T>(items: T[], page: PageRequest): { items: T[]; next?: string } {
  const offset = page.page_token ? Number.parseInt(page.page_token, 36) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw badRequest('page_token is invalid');
  const slice = items.slice(offset, offset + page.page_size);
  const end = offset + slice.length;
  return end < items.length ? { items: slice, next: end.toString(36) } : { items: slice };
}
