// Hydra's `strategies.access_token: jwt`. Hydra still stores every JWT access token, so revocation,
// refresh rotation, reuse detection and introspection treat it like an opaque one; only what the
// client holds differs. Here likewise: oidc-provider stores the token under a random `jti` as usual
// and the value handed out is a JWS over Hydra's claims (fosite's JWTClaims plus Hydra's
// `client_id` and `ext`), signed with the `hydra.jwt.access-token` key:
//   header  { alg: RS256, kid, typ: "JWT" }
//   payload { iss, sub, aud: [], client_id, scp: [...], ext: {...}, jti, iat, nbf, exp }
// A presented token is found again only through a JWS that verifies against that key: the `jti`
// alone (visible to anyone holding the JWT, and in logs) is not a credential.
import { randomUUID } from 'node:crypto';
import { decodeJwt, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { ConsentStore } from '../consent/store.ts';
import type { PrivateJWK } from '../jwk/keys.ts';
import { publicJWK } from '../jwk/keys.ts';

interface IssuedToken {
  jti: string;
  accountId?: string;
  clientId: string;
  scope?: string;
  iat?: number;
  exp?: number;
  grantId?: string;
  aud?: string | string[];
  /** oidc-provider's TTL for this token, in seconds. */
  readonly expiration: number;
}

interface TokenModel {
  prototype: { save(this: IssuedToken): Promise<string>; generateTokenId(this: unknown): string };
  find(value: string, options?: unknown): Promise<unknown>;
}

const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** True when a value has the shape of a compact JWS (what the JWT strategy hands out). */
export function looksLikeJWS(value: string): boolean {
  return value.length < 8192 && COMPACT_JWS.test(value);
}

/**
 * The stored token id of a value this server handed out: the `jti` of a JWT access token, the value
 * itself for an opaque one. Only for values the server has just minted (no verification).
 */
export function storedTokenId(value: string): string {
  if (!looksLikeJWS(value)) return value;
  const { jti } = decodeJwt(value);
  return typeof jti === 'string' ? jti : value;
}

export function installJWTAccessTokens(
  provider: Provider,
  o: { issuer: string; key: PrivateJWK; consents: ConsentStore },
): void {
  const signingKey = importJWK(o.key, o.key.alg);
  const verifyingKey = importJWK(publicJWK(o.key) as JWK, o.key.alg);
  signingKey.catch(() => {});
  verifyingKey.catch(() => {});
  const models = provider as unknown as Record<'AccessToken' | 'ClientCredentials', TokenModel>;

  for (const name of ['AccessToken', 'ClientCredentials'] as const) {
    const model = models[name];
    // Hydra's JWT ids are UUIDs (no `ory_at_` prefix: the value is the JWS, not the id).
    // (The original still runs: it records the token's storage format on the token.)
    const generate = model.prototype.generateTokenId;
    model.prototype.generateTokenId = function uuidTokenId(this: unknown) {
      generate.call(this);
      return randomUUID();
    };
    const save = model.prototype.save;
    model.prototype.save = async function saveAndSign(this: IssuedToken) {
      // Fixed before storing, so the stored token and the JWT carry the same times.
      this.iat ??= Math.floor(Date.now() / 1000);
      this.exp ??= this.iat + this.expiration;
      await save.call(this);
      const consent = this.grantId ? await o.consents.byGrant(this.grantId) : undefined;
      const audience =
        consent?.grantedAudience ?? (this.aud === undefined ? [] : [this.aud].flat());
      return (
        new SignJWT({
          client_id: this.clientId,
          ext: consent?.session.access_token ?? {},
          scp: (this.scope ?? '').split(' ').filter(Boolean),
          aud: audience,
        })
          .setProtectedHeader({ alg: o.key.alg, kid: o.key.kid, typ: 'JWT' })
          .setIssuer(o.issuer)
          // A client-credentials token's subject is the client itself, as in Hydra.
          .setSubject(this.accountId ?? this.clientId)
          .setJti(this.jti)
          .setIssuedAt(this.iat)
          .setNotBefore(this.iat)
          .setExpirationTime(this.exp)
          .sign(await signingKey)
      );
    };
    const find = model.find.bind(model);
    model.find = async (value: string, options?: unknown) => {
      if (typeof value !== 'string') return undefined;
      const handed = revocationHandles.get(value);
      if (handed) return find(handed, options);
      if (!looksLikeJWS(value)) return undefined;
      const jti = await verifiedId(value, await verifyingKey, o.issuer, o.key.alg);
      return jti ? find(jti, options) : undefined;
    };
  }
  installJWTRevocation(provider, async (value) =>
    verifiedId(value, await verifyingKey, o.issuer, o.key.alg),
  );
}

/** Request-scoped stand-ins for verified JWTs at the revocation endpoint (random, one request). */
const revocationHandles = new Map<string, string>();

type Next = () => Promise<void>;

/**
 * oidc-provider refuses to revoke a JWT ("structured tokens cannot be revoked"): its own JWT
 * tokens are not stored. Ours are, and Hydra revokes them, so a JWT that verifies is swapped for a
 * one-request random handle that `find` maps to the stored token. Anything else passes unchanged.
 */
function installJWTRevocation(
  provider: Provider,
  verify: (value: string) => Promise<string | undefined>,
): void {
  provider.use(async (ctx, next: Next) => {
    if (ctx.path !== '/oauth2/revoke' || ctx.method !== 'POST' || !ctx.is('urlencoded')) {
      return next();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      // oidc-provider's own body limit; past it, let oidc-provider answer as it does.
      if (size > 56 * 1024) return next();
      chunks.push(chunk);
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const value = form.get('token');
    const jti = value && looksLikeJWS(value) ? await verify(value) : undefined;
    let handle: string | undefined;
    if (jti) {
      handle = `revocation-${randomUUID()}`;
      revocationHandles.set(handle, jti);
      form.set('token', handle);
    }
    const body = Buffer.from(jti ? form.toString() : Buffer.concat(chunks));
    ctx.req.headers['content-length'] = String(body.length);
    // The stream is spent: hand oidc-provider's body reader the (rewritten) form instead.
    Object.defineProperty(ctx.req, 'readable', { configurable: true, value: true });
    Object.assign(ctx.req, {
      iterator: async function* () {
        yield body;
      },
    });
    try {
      await next();
    } finally {
      if (handle) revocationHandles.delete(handle);
    }
  });
}

async function verifiedId(
  value: string,
  key: Awaited<ReturnType<typeof importJWK>>,
  issuer: string,
  alg: string,
): Promise<string | undefined> {
  try {
    const { payload } = await jwtVerify(value, key, { issuer, algorithms: [alg] });
    return typeof payload.jti === 'string' ? payload.jti : undefined;
  } catch {
    return undefined;
  }
}
