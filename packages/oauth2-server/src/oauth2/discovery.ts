// `/.well-known/openid-configuration` in Hydra's shape. oidc-provider writes its own document;
// Hydra's (oauth2/handler.go, discoverOidcConfiguration; the `oidcConfiguration` schema of its
// OpenAPI) has a fixed set of keys. A relying party that reads this document must find what a real
// Hydra would show it, and nothing that only oidc-provider has — an advertised endpoint is an
// invitation (a pushed-authorization or DPoP-aware client would start using it, then break on the
// real Hydra in production). So the document is rebuilt here from Hydra's keys, in Hydra's order,
// with values that describe this server truthfully:
// - endpoints and lists oidc-provider computed (issuer, endpoints, scopes, claims, grant and
//   response types, auth methods, `S256`) are kept;
// - Hydra's capability flags are present with this server's answer: request objects, the claims
//   parameter, front- and back-channel logout are not supported here, so `false`;
// - ID tokens are signed with the `hydra.openid.id-token` key (RS256), userinfo is answered as
//   plain JSON (`none`);
// - left out, because this server has no such route: `registration_endpoint` (OpenID dynamic
//   client registration), `device_authorization_endpoint` (device flow),
//   `credentials_endpoint_draft_00`/`credentials_supported_draft_00` (verifiable credentials),
//   `request_object_signing_alg_values_supported` (no request objects).
// oidc-provider's own extras never appear: `pushed_authorization_request_endpoint` (PAR and DPoP
// are switched off in provider.ts, so their routes answer 404 too), `dpop_signing_alg_values_supported`,
// `authorization_response_iss_parameter_supported`, `claim_types_supported`,
// `introspection_endpoint` (Hydra introspects on the admin port only).

/** The keys of the document, in Hydra's order. */
export const HYDRA_DISCOVERY_KEYS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'subject_types_supported',
  'response_types_supported',
  'claims_supported',
  'grant_types_supported',
  'response_modes_supported',
  'userinfo_endpoint',
  'scopes_supported',
  'token_endpoint_auth_methods_supported',
  'userinfo_signing_alg_values_supported',
  'id_token_signing_alg_values_supported',
  'id_token_signed_response_alg',
  'userinfo_signed_response_alg',
  'request_parameter_supported',
  'request_uri_parameter_supported',
  'require_request_uri_registration',
  'claims_parameter_supported',
  'revocation_endpoint',
  'backchannel_logout_supported',
  'backchannel_logout_session_supported',
  'frontchannel_logout_supported',
  'frontchannel_logout_session_supported',
  'end_session_endpoint',
  'code_challenge_methods_supported',
] as const;

type Document = Record<string, unknown>;

/** oidc-provider's discovery body → Hydra's. */
export function hydraDiscovery(fromProvider: Document): Document {
  const idTokenAlgs = fromProvider.id_token_signing_alg_values_supported;
  const answers: Document = {
    // What oidc-provider leaves out when a feature is off; its own value wins when it says more.
    userinfo_signing_alg_values_supported: ['none'],
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    require_request_uri_registration: false,
    claims_parameter_supported: false,
    backchannel_logout_supported: false,
    backchannel_logout_session_supported: false,
    frontchannel_logout_supported: false,
    frontchannel_logout_session_supported: false,
    ...fromProvider,
    // Hydra lists the algorithm its ID tokens are signed with as an array.
    id_token_signed_response_alg: Array.isArray(idTokenAlgs) ? [...idTokenAlgs] : ['RS256'],
    userinfo_signed_response_alg: ['none'],
  };
  const out: Document = {};
  for (const key of HYDRA_DISCOVERY_KEYS) {
    if (answers[key] !== undefined) out[key] = answers[key];
  }
  return out;
}
