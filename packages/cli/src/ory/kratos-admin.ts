// The Kratos admin API through the official SDK, for `vestibule users` and `vestibule sessions`:
// one deadline per call, users found by id or by email, Kratos's `Link` pagination, and errors that
// say what to do (an unreachable admin URL names where the URL came from).
import {
  Configuration,
  FetchError,
  IdentityApi,
  ResponseError,
  type Identity,
} from '@ory/client-fetch';
import type { KratosEndpoints } from './endpoints.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class UserNotFound extends Error {
  override name = 'UserNotFound';
}

export interface KratosAdmin {
  identities: IdentityApi;
  endpoints: KratosEndpoints;
  /** Runs one SDK call, turning transport and HTTP failures into one clear message. */
  call<T>(action: string, work: (api: IdentityApi) => Promise<T>): Promise<T>;
}

export function kratosAdmin(endpoints: KratosEndpoints, timeoutMs = 10_000): KratosAdmin {
  const identities = new IdentityApi(
    new Configuration({
      basePath: endpoints.adminURL,
      fetchApi: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    }),
  );
  return {
    identities,
    endpoints,
    call: async (action, work) => {
      try {
        return await work(identities);
      } catch (err) {
        throw await describeFailure(action, err, endpoints);
      }
    },
  };
}

async function describeFailure(action: string, err: unknown, at: KratosEndpoints): Promise<Error> {
  if (err instanceof UserNotFound) return err;
  if (err instanceof ResponseError) {
    const body = (await err.response.text().catch(() => '')).slice(0, 300);
    const reason = kratosErrorReason(body);
    return new Error(`${action}: Kratos answered HTTP ${err.response.status}${reason}`, {
      cause: err,
    });
  }
  const cause = err instanceof FetchError ? err.cause : (err as Error);
  return new Error(
    `${action}: the Kratos admin API at ${at.adminURL} (from ${at.source}) is unreachable ` +
      `(${cause?.message ?? String(err)}): start it (vestibule up), or pass --config / set VESTIBULE_KRATOS_ADMIN_URL`,
    { cause: err },
  );
}

function kratosErrorReason(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; reason?: string } };
    const text = parsed.error?.reason ?? parsed.error?.message;
    return text ? `: ${text}` : '';
  } catch {
    return body ? `: ${body}` : '';
  }
}

/** A user by id, or by email (Kratos's credentials identifier); unknown is a clear error. */
export async function findUser(admin: KratosAdmin, idOrEmail: string): Promise<Identity> {
  return admin.call(`looking up ${idOrEmail}`, async (api) => {
    if (UUID.test(idOrEmail)) {
      try {
        return await api.getIdentity({ id: idOrEmail });
      } catch (err) {
        if (!(err instanceof ResponseError && err.response.status === 404)) throw err;
      }
    } else {
      const [found] = await api.listIdentities({ credentialsIdentifier: idOrEmail });
      if (found) return found;
      const byTrait = await scanForEmail(api, idOrEmail);
      if (byTrait) return byTrait;
    }
    throw new UserNotFound(
      `no user "${idOrEmail}" in Kratos at ${admin.endpoints.adminURL}: list them with "vestibule users list"`,
    );
  });
}

/**
 * An identity made without credentials (no password yet) has no credentials identifier to look up,
 * so the email is also looked for in traits, over a bounded number of pages.
 */
async function scanForEmail(api: IdentityApi, email: string): Promise<Identity | undefined> {
  let pageToken: string | undefined;
  for (let page = 0; page < SCAN_PAGES; page++) {
    const response = await api.listIdentitiesRaw({
      pageSize: 250,
      ...(pageToken ? { pageToken } : {}),
    });
    const found = (await response.value()).find(
      (identity) => emailOf(identity).toLowerCase() === email.toLowerCase(),
    );
    if (found) return found;
    pageToken = nextPageToken(response.raw.headers.get('link'));
    if (!pageToken) return undefined;
  }
  return undefined;
}

const SCAN_PAGES = 8;

/** Kratos paginates with `Link: <…?page_token=…>; rel="next"`; the token of the next page, if any. */
export function nextPageToken(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match?.[1]) {
      const token = new URL(match[1], 'http://link.invalid').searchParams.get('page_token');
      if (token) return token;
    }
  }
  return undefined;
}

/** The role the gateway and the app library read: `metadata_public.role`. */
export function roleOf(identity: Identity): string {
  const metadata = identity.metadata_public as Record<string, unknown> | null | undefined;
  return typeof metadata?.role === 'string' ? metadata.role : '';
}

export function emailOf(identity: Identity): string {
  const traits = identity.traits as Record<string, unknown> | null | undefined;
  return typeof traits?.email === 'string' ? traits.email : '';
}
