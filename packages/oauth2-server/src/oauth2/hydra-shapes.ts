// Where Hydra's wire format differs from oidc-provider's defaults, patched on the provider's own
// model classes (each Provider instance has its own), so every code path that mints a token
// agrees: Hydra's opaque token prefixes, its lowercase `bearer` token type, and `sid` in every
// ID token (Hydra always carries the login session id).
import type Provider from 'oidc-provider';

/** Hydra's prefixes (fosite's HMAC strategy, `ory_at_` / `ory_rt_` / `ory_ac_`). */
export const TOKEN_PREFIXES = {
  AccessToken: 'ory_at_',
  ClientCredentials: 'ory_at_',
  RefreshToken: 'ory_rt_',
  AuthorizationCode: 'ory_ac_',
} as const;

interface TokenClass {
  prototype: { generateTokenId(): string };
}

export function applyHydraShapes(provider: Provider): void {
  const models = provider as unknown as Record<keyof typeof TOKEN_PREFIXES, TokenClass>;
  for (const [name, prefix] of Object.entries(TOKEN_PREFIXES)) {
    const model = models[name as keyof typeof TOKEN_PREFIXES];
    const generate = model.prototype.generateTokenId;
    model.prototype.generateTokenId = function prefixedTokenId(this: unknown) {
      return prefix + generate.call(this);
    };
  }
  // fosite answers `token_type: "bearer"` (RFC 6749 §7.1 says the type is case-insensitive).
  for (const name of ['AccessToken', 'ClientCredentials'] as const) {
    Object.defineProperty(models[name].prototype, 'tokenType', {
      configurable: true,
      get(this: { jkt?: string }) {
        return this.jkt ? 'DPoP' : 'bearer';
      },
    });
  }
  const client = (provider as unknown as { Client: { prototype: { includeSid(): boolean } } })
    .Client;
  client.prototype.includeSid = () => true;
}
