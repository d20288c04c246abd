// A stand-in for Oathkeeper's id_token mutator in tests: an RSA and an EC signing key, their public
// JWKS served on a real socket (as Oathkeeper serves /.well-known/jwks.json), and tokens minted with
// the claims the mutator sets (pipeline/mutate/mutator_id_token.go: the rule's template claims, then
// exp, jti, iat, iss, nbf, sub). The JWKS server can be made to fail or stop, for fail-closed tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface MintOptions {
  /** Template claims (e.g. `aud`, `session`); the mutator's own claims are added on top. */
  claims?: Record<string, unknown>;
  sub?: string;
  iss?: string;
  /** Issue time in ms (default the fixture's clock). */
  at?: number;
  ttlSeconds?: number;
  alg?: 'RS256' | 'ES256';
  /** Sign with a key the JWKS does not publish. */
  unpublishedKey?: boolean;
}

export interface OathkeeperJWKS {
  url: string;
  issuer: string;
  /** Requests the JWKS endpoint has answered. */
  fetches: number;
  /** When set, the endpoint answers this status with a non-JWKS body. */
  failWith: number | undefined;
  mint(options?: MintOptions): Promise<string>;
  /** The RSA public key in SPKI PEM, for the HS256 key-confusion forgery. */
  publicKeyPEM(): Promise<string>;
  close(): Promise<void>;
}

export const OATHKEEPER_ISSUER = 'http://127.0.0.1:4455/';

export async function startOathkeeperJWKS(
  options: { now?: () => number } = {},
): Promise<OathkeeperJWKS> {
  const now = options.now ?? Date.now;
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const stray = await generateKeyPair('RS256', { extractable: true });
  const publicJWK = async (key: CryptoKey, kid: string, alg: string): Promise<JWK> => ({
    ...(await exportJWK(key)),
    kid,
    alg,
    use: 'sig',
  });
  const keys = [
    await publicJWK(rsa.publicKey, 'rsa-1', 'RS256'),
    await publicJWK(ec.publicKey, 'ec-1', 'ES256'),
  ];
  const fixture = {
    fetches: 0,
    failWith: undefined as number | undefined,
  };
  const server: Server = createServer((_req, res) => {
    fixture.fetches++;
    if (fixture.failWith) {
      res.writeHead(fixture.failWith, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed = false;
  return Object.assign(fixture, {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    issuer: OATHKEEPER_ISSUER,
    async mint(mint: MintOptions = {}) {
      const alg = mint.alg ?? 'RS256';
      const key = mint.unpublishedKey
        ? stray.privateKey
        : alg === 'ES256'
          ? ec.privateKey
          : rsa.privateKey;
      const kid = mint.unpublishedKey ? 'rsa-unknown' : alg === 'ES256' ? 'ec-1' : 'rsa-1';
      const at = Math.floor((mint.at ?? now()) / 1000);
      return new SignJWT({ ...mint.claims })
        .setProtectedHeader({ alg, kid, typ: 'JWT' })
        .setIssuer(mint.iss ?? OATHKEEPER_ISSUER)
        .setSubject(mint.sub ?? randomUUID())
        .setJti(randomUUID())
        .setIssuedAt(at)
        .setNotBefore(at)
        .setExpirationTime(at + (mint.ttlSeconds ?? 15 * 60))
        .sign(key);
    },
    async publicKeyPEM() {
      const { exportSPKI } = await import('jose');
      return exportSPKI(rsa.publicKey);
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  });
}

/** A Kratos whoami session as Oathkeeper's cookie_session puts it in `.Extra` (extra_from "@this"). */
export function kratosSessionClaim(identity: {
  id: string;
  email: string;
  role?: string;
}): Record<string, unknown> {
  return {
    id: randomUUID(),
    active: true,
    authenticator_assurance_level: 'aal1',
    identity: {
      id: identity.id,
      schema_id: 'default',
      state: 'active',
      traits: { email: identity.email },
      metadata_public: identity.role ? { role: identity.role } : null,
      verifiable_addresses: [{ value: identity.email, verified: true, via: 'email' }],
    },
  };
}
