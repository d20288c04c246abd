// Hydra's admin client API (client/handler.go): /admin/clients create, list (page_size,
// page_token, Link header), get, update (PUT), patch (RFC 6902 JSON Patch), delete. Records are
// oidc-provider client metadata in its Client store; oidc-provider validates them too, so a client
// the admin API accepts is one the protocol can use.
import { createHash, randomBytes } from 'node:crypto';
import fastJSONPatch from 'fast-json-patch';
import { sql, type Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import type { Adapter } from 'oidc-provider';
import type { Database } from '../persistence/tables.ts';
import {
  invalidClientMetadata,
  invalidRequest,
  json,
  notFound,
  readJSON,
  type Router,
} from '../x/http.ts';
import { clientFromBody, hydraClientView, type StoredClient } from './metadata.ts';

export interface ClientRoutesOptions {
  provider: Provider;
  adapter: Adapter;
  db: Kysely<Database>;
  publicURL: string;
  adminURL: string;
}

export class ClientRegistry {
  constructor(private readonly o: ClientRoutesOptions) {}

  async get(id: string): Promise<StoredClient | undefined> {
    return ((await this.o.adapter.find(id)) as StoredClient | undefined) ?? undefined;
  }

  async save(record: StoredClient): Promise<void> {
    try {
      await (this.o.provider.Client as unknown as { validate(m: unknown): Promise<void> }).validate(
        record,
      );
    } catch (err) {
      const e = err as { error_description?: string; message?: string };
      throw invalidClientMetadata(e.error_description ?? e.message ?? 'invalid client metadata');
    }
    await this.o.adapter.upsert(record.client_id, record);
  }

  async delete(id: string): Promise<boolean> {
    if (!(await this.get(id))) return false;
    await this.o.adapter.destroy(id);
    return true;
  }

  /** Clients ordered by id after `afterId`, one more than asked to know whether a next page exists. */
  async page(
    afterId: string,
    size: number,
    filter: { client_name?: string; owner?: string },
  ): Promise<StoredClient[]> {
    let query = this.o.db
      .selectFrom('oauth2_payloads')
      .select('payload')
      .where('model', '=', 'Client')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(size + 1);
    if (filter.client_name)
      query = query.where(sql<string>`payload->>'client_name'`, '=', filter.client_name);
    if (filter.owner) query = query.where(sql<string>`payload->>'owner'`, '=', filter.owner);
    const rows = await query.execute();
    return rows.map(
      (r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as StoredClient,
    );
  }
}

function pageToken(id: string): string {
  return Buffer.from(JSON.stringify({ after: id })).toString('base64url');
}

function afterFromToken(token: string | null): string {
  if (!token) return '';
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      after?: unknown;
    };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw invalidRequest('The page token is invalid.');
}

export function mountClientRoutes(router: Router, o: ClientRoutesOptions): ClientRegistry {
  const registry = new ClientRegistry(o);
  const load = async (id: string) => {
    const found = await registry.get(id);
    if (!found) throw notFound();
    return found;
  };

  router.on('POST', '/admin/clients', async (request) => {
    const body = await readJSON(request);
    if (typeof body.client_id === 'string' && (await registry.get(body.client_id))) {
      return json(409, {
        error: 'invalid_request',
        error_description:
          'Unable to insert or update resource because a resource with that value exists already',
      });
    }
    const { record, secret } = clientFromBody(body);
    // RFC 7592: the registration access token is shown once; only its hash is kept.
    const registrationToken = `ory_at_${randomBytes(32).toString('base64url')}`;
    record.registration_access_token_hash = createHash('sha256')
      .update(registrationToken)
      .digest('hex');
    await registry.save(record);
    return json(201, {
      ...hydraClientView(record, secret ? { secret } : {}),
      registration_access_token: registrationToken,
      registration_client_uri: `${o.publicURL}/oauth2/register/${encodeURIComponent(record.client_id)}`,
    });
  });

  router.on('GET', '/admin/clients', async (_request, url) => {
    const size = Math.min(
      Math.max(Number(url.searchParams.get('page_size') ?? 250) || 250, 1),
      1000,
    );
    const after = afterFromToken(url.searchParams.get('page_token'));
    const filter = {
      client_name: url.searchParams.get('client_name') ?? undefined,
      owner: url.searchParams.get('owner') ?? undefined,
    };
    const rows = await registry.page(after, size, filter);
    const page = rows.slice(0, size);
    const links: string[] = [];
    const first = new URL(`${o.adminURL}/admin/clients`);
    first.searchParams.set('page_size', String(size));
    links.push(`<${first.href}>; rel="first"`);
    if (rows.length > size) {
      const next = new URL(first);
      next.searchParams.set('page_token', pageToken(page.at(-1)!.client_id));
      links.push(`<${next.href}>; rel="next"`);
    }
    return json(
      200,
      page.map((c) => hydraClientView(c)),
      { link: links.join(',') },
    );
  });

  router.on('GET', '/admin/clients/:id', async (_request, _url, { id }) =>
    json(200, hydraClientView(await load(id!))),
  );

  router.on('PUT', '/admin/clients/:id', async (request, _url, { id }) => {
    const existing = await load(id!);
    const { record, secret } = clientFromBody(await readJSON(request), existing);
    await registry.save(record);
    return json(200, hydraClientView(record, secret ? { secret } : {}));
  });

  router.on('PATCH', '/admin/clients/:id', async (request, _url, { id }) => {
    const existing = await load(id!);
    const text = await request.text();
    let patch: fastJSONPatch.Operation[];
    try {
      patch = JSON.parse(text) as fastJSONPatch.Operation[];
      if (!Array.isArray(patch)) throw new TypeError('not an array');
    } catch {
      throw invalidRequest('The request body must be a JSON Patch (RFC 6902) array.');
    }
    const current = { ...hydraClientView(existing), client_secret: existing.client_secret };
    let patched: Record<string, unknown>;
    try {
      patched = fastJSONPatch.applyPatch(current, patch, true, false).newDocument;
    } catch (err) {
      throw invalidRequest(`The JSON Patch could not be applied: ${(err as Error).message}`);
    }
    if (patched.client_id !== existing.client_id)
      throw invalidRequest('Field client_id can not be changed.');
    const secretChanged = patched.client_secret !== existing.client_secret;
    const { record } = clientFromBody(
      { ...patched, client_secret: patched.client_secret },
      existing,
    );
    await registry.save(record);
    return json(
      200,
      hydraClientView(
        record,
        secretChanged && record.client_secret ? { secret: record.client_secret as string } : {},
      ),
    );
  });

  router.on('DELETE', '/admin/clients/:id', async (_request, _url, { id }) => {
    if (!(await registry.delete(id!))) throw notFound();
    return json(204, null);
  });
  return registry;
}
