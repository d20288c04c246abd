// Signing keys, generated on first start and kept in the database (Hydra's `jwk` manager): one
// RS256 key in `hydra.openid.id-token` (signs ID tokens) and one in `hydra.jwt.access-token`, so
// jwks.json lists two keys even with opaque access tokens, as a real Hydra's does.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../persistence/tables.ts';

export const ID_TOKEN_SET = 'hydra.openid.id-token';
export const ACCESS_TOKEN_SET = 'hydra.jwt.access-token';

export type PrivateJWK = JWK & { kid: string; alg: string; use: string };

export async function generateSigningKey(): Promise<PrivateJWK> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

export async function keysOfSet(db: Kysely<Database>, set: string): Promise<PrivateJWK[]> {
  const rows = await db
    .selectFrom('hydra_jwk')
    .select('key')
    .where('set_id', '=', set)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(
    (row) => (typeof row.key === 'string' ? JSON.parse(row.key) : row.key) as PrivateJWK,
  );
}

/** The signing keys, the ID-token key first (oidc-provider signs with the first key of an alg). */
export async function ensureSigningKeys(
  db: Kysely<Database>,
  /** Keys generated ahead (while the database opened), used if the sets are empty. */
  fresh: Promise<PrivateJWK[]> = Promise.all([generateSigningKey(), generateSigningKey()]),
): Promise<PrivateJWK[]> {
  const keys: PrivateJWK[] = [];
  const generated = await fresh;
  for (const [i, set] of [ID_TOKEN_SET, ACCESS_TOKEN_SET].entries()) {
    let found = await keysOfSet(db, set);
    if (found.length === 0) {
      const key = generated[i]!;
      // Two servers starting on one database race here; the primary key keeps one of each kid,
      // and re-reading takes whichever set the database holds.
      await db
        .insertInto('hydra_jwk')
        .values({ set_id: set, kid: key.kid, key: JSON.stringify(key), created_at: new Date() })
        .onConflict((oc) => oc.doNothing())
        .execute();
      found = await keysOfSet(db, set);
    }
    keys.push(...found);
  }
  return keys;
}

/** The public half of a private JWK (what jwks.json shows). */
export function publicJWK(key: PrivateJWK): JWK {
  const { kty, n, e, crv, x, y, kid, alg, use } = key;
  return Object.fromEntries(
    Object.entries({ kty, n, e, crv, x, y, kid, alg, use }).filter(([, v]) => v !== undefined),
  ) as JWK;
}
