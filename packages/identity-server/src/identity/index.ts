export { registerAdminIdentityRoutes } from './admin-routes.ts';
export { adminIdentity, CREDENTIAL_TYPES } from './render.ts';
export {
  identityFromCreateBody,
  applyIdentityChanges,
  assertValidTraits,
  schemaFor,
  type IdentityChanges,
} from './build.ts';
export { verifiableAddresses, recoveryAddresses } from './addresses.ts';
export { importedPasswordHash, passwordCredential } from './credentials.ts';
export { applyIdentityPatch } from './patch.ts';
