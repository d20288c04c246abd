// oidc-provider's storage contract (one Adapter per model: Client, Session, Interaction,
// AuthorizationCode, AccessToken, RefreshToken, Grant, …) over Kysely. `revokeByGrantId` is what
// makes reuse detection revoke a whole token family, as Hydra does: every token minted from one
// consent shares its grant id.
import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from './tables.ts';

/** Told which stored tokens a delete removed (revocation, rotation, family revocation). */
export type DeletedRows = (rows: ReadonlyArray<{ model: string; id: string }>) => void;

export function kyselyAdapterFactory(
  db: Kysely<Database>,
  now: () => number = Date.now,
  onDeleted?: DeletedRows,
) {
  return (model: string): Adapter => new KyselyAdapter(db, model, now, onDeleted);
}

export class KyselyAdapter implements Adapter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly model: string,
    private readonly now: () => number,
    private readonly onDeleted?: DeletedRows,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const row = {
      model: this.model,
      id,
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      user_code: payload.userCode ?? null,
      uid: payload.uid ?? null,
      expires_at: expiresIn ? new Date(this.now() + expiresIn * 1000) : null,
    };
    await this.db
      .insertInto('oauth2_payloads')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['model', 'id']).doUpdateSet({
          payload: row.payload,
          grant_id: row.grant_id,
          user_code: row.user_code,
          uid: row.uid,
          expires_at: row.expires_at,
        }),
      )
      .execute();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    await this.db
      .updateTable('oauth2_payloads')
      .set({ consumed_at: new Date(this.now()) })
      .where('model', '=', this.model)
      .where('id', '=', id)
      .execute();
  }

  async destroy(id: string): Promise<void> {
    const rows = await this.db
      .deleteFrom('oauth2_payloads')
      .where('model', '=', this.model)
      .where('id', '=', id)
      .returning(['model', 'id'])
      .execute();
    if (rows.length) this.onDeleted?.(rows);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // All models at once: oidc-provider calls this per model, but a family is one grant.
    const rows = await this.db
      .deleteFrom('oauth2_payloads')
      .where('grant_id', '=', grantId)
      .returning(['model', 'id'])
      .execute();
    if (rows.length) this.onDeleted?.(rows);
  }

  private async findWhere(
    column: 'id' | 'uid' | 'user_code',
    value: string,
  ): Promise<AdapterPayload | undefined> {
    const row = await this.db
      .selectFrom('oauth2_payloads')
      .select(['payload', 'expires_at', 'consumed_at'])
      .where('model', '=', this.model)
      .where(column, '=', value)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.expires_at && row.expires_at.getTime() <= this.now()) return undefined;
    const payload = (
      typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload
    ) as AdapterPayload;
    if (row.consumed_at) payload.consumed = Math.floor(row.consumed_at.getTime() / 1000);
    return payload;
  }
}
