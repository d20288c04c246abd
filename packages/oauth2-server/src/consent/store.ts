// Hydra's consent sessions: what a subject granted a client, the claims to put in its tokens, and
// whether the decision is remembered (then later consent requests for a subset of the scopes say
// `skip: true`). Keyed by oidc-provider's grant id, which every token of that consent carries.
import type { Kysely } from 'kysely';
import type { Database } from '../persistence/tables.ts';

export interface TokenSessionClaims {
  access_token?: Record<string, unknown>;
  id_token?: Record<string, unknown>;
}

export interface ConsentSession {
  grantId: string;
  subject: string;
  clientId: string;
  loginSessionId: string | null;
  grantedScope: string[];
  grantedAudience: string[];
  session: TokenSessionClaims;
  remember: boolean;
  rememberUntil: Date | null;
  handledAt: Date;
  /** The consent request as the admin API showed it, for the sessions listing. */
  request: Record<string, unknown>;
}

type Row = Database['hydra_consent_sessions'];

function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function fromRow(row: { [K in keyof Row]: unknown }): ConsentSession {
  return {
    grantId: row.grant_id as string,
    subject: row.subject as string,
    clientId: row.client_id as string,
    loginSessionId: row.login_session_id as string | null,
    grantedScope: json(row.granted_scope),
    grantedAudience: json(row.granted_audience),
    session: json(row.session),
    remember: row.remember as boolean,
    rememberUntil: row.remember_until as Date | null,
    handledAt: row.handled_at as Date,
    request: json(row.request),
  };
}

export class ConsentStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async save(consent: ConsentSession): Promise<void> {
    const row = {
      grant_id: consent.grantId,
      subject: consent.subject,
      client_id: consent.clientId,
      login_session_id: consent.loginSessionId,
      granted_scope: JSON.stringify(consent.grantedScope),
      granted_audience: JSON.stringify(consent.grantedAudience),
      session: JSON.stringify(consent.session),
      remember: consent.remember,
      remember_until: consent.rememberUntil,
      handled_at: consent.handledAt,
      request: JSON.stringify(consent.request),
    };
    await this.db
      .insertInto('hydra_consent_sessions')
      .values(row)
      .onConflict((oc) => oc.column('grant_id').doUpdateSet({ ...row, revoked: false }))
      .execute();
  }

  async byGrant(grantId: string): Promise<ConsentSession | undefined> {
    const row = await this.db
      .selectFrom('hydra_consent_sessions')
      .selectAll()
      .where('grant_id', '=', grantId)
      .where('revoked', '=', false)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Remembered, unexpired consents of a subject (optionally for one client), newest first. */
  async remembered(subject: string, clientId?: string): Promise<ConsentSession[]> {
    let query = this.db
      .selectFrom('hydra_consent_sessions')
      .selectAll()
      .where('subject', '=', subject)
      .where('remember', '=', true)
      .where('revoked', '=', false);
    if (clientId) query = query.where('client_id', '=', clientId);
    const rows = await query.orderBy('handled_at', 'desc').execute();
    const now = this.now();
    return rows.map(fromRow).filter((c) => !c.rememberUntil || c.rememberUntil.getTime() > now);
  }

  /** Marks a subject's consents (for one client, or all) revoked; returns their grant ids. */
  async revoke(subject: string, clientId?: string): Promise<string[]> {
    let query = this.db
      .updateTable('hydra_consent_sessions')
      .set({ revoked: true })
      .where('subject', '=', subject)
      .where('revoked', '=', false);
    if (clientId) query = query.where('client_id', '=', clientId);
    const rows = await query.returning('grant_id').execute();
    return rows.map((r) => r.grant_id);
  }
}
