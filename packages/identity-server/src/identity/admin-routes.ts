// The admin identity API (Kratos identity/handler.go): list, create, get, update (PUT), patch
// (JSON Patch) and delete. Unknown or malformed ids are 404 like Kratos (x.ParseUUID → Nil).
import type { ServerContext } from '../driver/context.ts';
import { readLimitedText } from '../http/body.ts';
import { KratosError, badRequest, conflict, notFound } from '../http/errors.ts';
import { json, noContent } from '../http/respond.ts';
import type { RouteContext, Router } from '../http/router.ts';
import { DuplicateCredentialsError, type Credential, type Identity } from '../persistence/types.ts';
import { encodePageToken } from '../persistence/page-token.ts';
import { linkHeader, readPageRequest } from '../session/pagination.ts';
import { applyIdentityChanges, identityFromCreateBody } from './build.ts';
import { importedPasswordHash } from './credentials.ts';
import { optionalString, readJSONObject, readMetadata, readState } from './input.ts';
import { applyIdentityPatch } from './patch.ts';
import { adminIdentity, CREDENTIAL_TYPES } from './render.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_IDS = 500;

async function loadIdentity(ctx: ServerContext, id: string | undefined): Promise<Identity> {
  const identity =
    id && UUID.test(id) ? await ctx.persister.getIdentity(id.toLowerCase()) : undefined;
  if (!identity) throw notFound();
  return identity;
}

const conflictOnDuplicate = (err: unknown): never => {
  if (err instanceof DuplicateCredentialsError) {
    throw conflict('This identity conflicts with another identity that already exists.');
  }
  throw err;
};

/** The keyset token of the first page: identities come ordered by id, every id sorts after nil. */
const FIRST_IDENTITY_PAGE = encodePageToken({ id: '00000000-0000-0000-0000-000000000000' });

async function list(ctx: ServerContext, { url }: RouteContext): Promise<Response> {
  const page = readPageRequest(url);
  const ids = url.searchParams.getAll('ids').filter((id) => id !== '');
  if (ids.length > MAX_IDS)
    throw badRequest(`You can only request up to ${MAX_IDS} identities at once.`);
  const identifier = url.searchParams.get('credentials_identifier') ?? '';
  if (identifier !== '' && url.searchParams.get('preview_credentials_identifier_similar')) {
    throw badRequest(
      'Cannot pass both credentials_identifier and preview_credentials_identifier_similar.',
    );
  }
  const result = await ctx.persister.listIdentities({
    ...page,
    ...(ids.length ? { ids: ids.map((id) => id.toLowerCase()) } : {}),
    ...(identifier ? { credentials_identifier: identifier } : {}),
  });
  const declassify = declassified(url);
  return json(
    // Kratos lists with ExpandDefault (no credentials) unless an identifier is searched for, which
    // expands everything (identity/handler.go list).
    result.items.map((i) =>
      adminIdentity(ctx, i, { declassify, withoutCredentials: identifier === '' }),
    ),
    200,
    {
      link: linkHeader(url, page.page_size, FIRST_IDENTITY_PAGE, result.next_page_token),
    },
  );
}

async function create(ctx: ServerContext, { request }: RouteContext): Promise<Response> {
  const body = await readJSONObject(request, ctx.config.body_limit_bytes);
  const identity = await identityFromCreateBody(ctx, body);
  await ctx.persister.createIdentity(identity).catch(conflictOnDuplicate);
  // Kratos identity/handler.go create: urlx.AppendPaths(SelfAdminURL, "identities", id) — the
  // admin base URL and /identities/{id}, without the /admin prefix the route itself has.
  const location = `${ctx.config.serve.admin.base_url.replace(/\/+$/, '')}/identities/${identity.id}`;
  return json(adminIdentity(ctx, identity), 201, { location });
}

function declassified(url: URL): Credential['type'][] {
  return url.searchParams.getAll('include_credential').map((value) => {
    if (!CREDENTIAL_TYPES.includes(value as Credential['type'])) {
      throw badRequest(`Invalid value \`${value}\` for parameter \`include_credential\`.`);
    }
    return value as Credential['type'];
  });
}

async function getOne(ctx: ServerContext, { url, params }: RouteContext): Promise<Response> {
  const declassify = declassified(url);
  const identity = await loadIdentity(ctx, params.id);
  return json(adminIdentity(ctx, identity, { declassify, metadataAdminNull: true }));
}

async function save(ctx: ServerContext, identity: Identity): Promise<Response> {
  await ctx.persister.updateIdentity(identity).catch(conflictOnDuplicate);
  return json(adminIdentity(ctx, identity));
}

/** PUT replaces traits and both metadata fields; credentials only when given (Kratos keeps them). */
async function update(ctx: ServerContext, { request, params }: RouteContext): Promise<Response> {
  const existing = await loadIdentity(ctx, params.id);
  const body = await readJSONObject(request, ctx.config.body_limit_bytes);
  const updated = applyIdentityChanges(ctx, existing, {
    schema_id: optionalString(body, 'schema_id'),
    state: readState(body),
    traits: body.traits ?? null,
    metadata_public: readMetadata(body, 'metadata_public'),
    metadata_admin: readMetadata(body, 'metadata_admin'),
    hashed_password: await importedPasswordHash(ctx, body.credentials),
  });
  return save(ctx, updated);
}

async function patch(ctx: ServerContext, { request, params }: RouteContext): Promise<Response> {
  const existing = await loadIdentity(ctx, params.id);
  let operations: unknown;
  try {
    operations = JSON.parse(await readLimitedText(request, ctx.config.body_limit_bytes));
  } catch (err) {
    if (err instanceof KratosError) throw err;
    throw badRequest('Unable to decode JSON payload: the request body is not valid JSON.');
  }
  // metadata_admin stays in the patched document even when null, so `replace` works on it.
  const { credentials: _hidden, ...document }: Record<string, unknown> = {
    metadata_admin: existing.metadata_admin ?? null,
    ...adminIdentity(ctx, existing),
  };
  const patched = applyIdentityPatch(document, operations);
  const state = patched.state;
  if (state !== 'active' && state !== 'inactive') {
    throw badRequest(
      `The supplied state ('${String(state)}') was not valid. Valid states are ('active', 'inactive').`,
    );
  }
  if (patched.schema_id !== undefined && typeof patched.schema_id !== 'string')
    throw badRequest('schema_id must be a string');
  const updated = applyIdentityChanges(ctx, existing, {
    schema_id: patched.schema_id as string | undefined,
    state,
    traits: patched.traits ?? null,
    metadata_public: (patched.metadata_public ?? null) as Record<string, unknown> | null,
    metadata_admin: (patched.metadata_admin ?? null) as Record<string, unknown> | null,
  });
  return save(ctx, updated);
}

async function remove(ctx: ServerContext, { params }: RouteContext): Promise<Response> {
  const identity = await loadIdentity(ctx, params.id);
  if (!(await ctx.persister.deleteIdentity(identity.id))) throw notFound();
  return noContent();
}

/**
 * DELETE /admin/identities/{id}/credentials/{type}: removes one credential type. Kratos's spec:
 * "You cannot delete passkeys or code auth credentials through this API."
 */
async function removeCredential(ctx: ServerContext, { params }: RouteContext): Promise<Response> {
  const identity = await loadIdentity(ctx, params.id);
  const type = params.type as Credential['type'];
  if (type === 'passkey' || type === 'code') {
    throw badRequest('You cannot delete passkeys or code auth credentials through this API.');
  }
  // Kratos identity/handler.go deleteIdentityCredentials: a first factor (password, oidc) is
  // refused — an identity must keep a way to sign in.
  if ((type === 'password' || type === 'oidc') && identity.credentials[type]) {
    const firstFactors = FIRST_FACTORS.filter((t) => identity.credentials[t]);
    if (firstFactors.length <= 1) throw badRequest("You can't remove first factor credentials.");
  }
  if (!CREDENTIAL_TYPES.includes(type) || !identity.credentials[type]) {
    throw notFound(
      `You tried to remove a ${params.type} but this user have no ${params.type} set up.`,
    );
  }
  const credentials = { ...identity.credentials };
  delete credentials[type];
  await ctx.persister.updateIdentity({
    ...identity,
    credentials,
    updated_at: ctx.clock.now().toISOString(),
  });
  return noContent();
}

const FIRST_FACTORS: ReadonlyArray<Credential['type']> = ['password', 'oidc', 'passkey', 'code'];

export function registerAdminIdentityRoutes(router: Router, ctx: ServerContext): void {
  router
    .on('GET', '/admin/identities', (rc) => list(ctx, rc))
    .on('POST', '/admin/identities', (rc) => create(ctx, rc))
    .on('GET', '/admin/identities/:id', (rc) => getOne(ctx, rc))
    .on('PUT', '/admin/identities/:id', (rc) => update(ctx, rc))
    .on('PATCH', '/admin/identities/:id', (rc) => patch(ctx, rc))
    .on('DELETE', '/admin/identities/:id', (rc) => remove(ctx, rc))
    .on('DELETE', '/admin/identities/:id/credentials/:type', (rc) => removeCredential(ctx, rc));
}
