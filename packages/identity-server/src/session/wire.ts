// The JSON shapes Kratos puts on the wire for sessions and (credential-free) identities.
import type { ServerContext } from '../driver/context.ts';
import type { Identity, Session } from '../persistence/types.ts';

/** `schema_url` as Kratos builds it: <public base URL>/schemas/<base64url(schema id)>. */
export function schemaURL(ctx: ServerContext, schemaId: string): string {
  const base = ctx.config.serve.public.base_url.replace(/\/+$/, '');
  return `${base}/schemas/${Buffer.from(schemaId).toString('base64url')}`;
}

/** The identity as whoami and the self-service responses show it: no credentials, no admin metadata. */
export function publicIdentity(ctx: ServerContext, identity: Identity): Record<string, unknown> {
  return {
    id: identity.id,
    schema_id: identity.schema_id,
    schema_url: schemaURL(ctx, identity.schema_id),
    state: identity.state,
    ...(identity.state_changed_at ? { state_changed_at: identity.state_changed_at } : {}),
    traits: identity.traits,
    verifiable_addresses: identity.verifiable_addresses,
    recovery_addresses: identity.recovery_addresses,
    metadata_public: identity.metadata_public,
    created_at: identity.created_at,
    updated_at: identity.updated_at,
    organization_id: null,
  };
}

export function sessionToWire(
  ctx: ServerContext,
  session: Session,
  identity?: Identity,
): Record<string, unknown> {
  return {
    id: session.id,
    active: session.active,
    expires_at: session.expires_at,
    authenticated_at: session.authenticated_at,
    authenticator_assurance_level: session.authenticator_assurance_level,
    authentication_methods: session.authentication_methods,
    issued_at: session.issued_at,
    // Session.Identity is not omitempty: an admin read without expand=identity shows null.
    identity: identity ? publicIdentity(ctx, identity) : null,
    devices: session.devices,
  };
}
