// Whose second factor an aal1 session is waiting for, remembered when the edge saw its first factor.
// Why: under Kratos's default `session.whoami.required_aal: highest_available`, whoami refuses an
// aal1 session of an identity that has a second factor, and Kratos's answer to the password login
// leaves the identity out (hook.go: "we omit the identity to preserve the user's privacy"). Counted
// per session, each new password login bought five fresh guesses at the TOTP code. The first factor
// named the identifier, so the session is tied to it here (a keyed row per session credential, by
// its hash) and second-factor guesses from any of its sessions share one counter.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { EdgeStoreDatabase } from '../store/index.ts';

/** As long as Kratos's default `session.lifespan`: an aal1 session older than that is gone. */
const REMEMBER_MS = 24 * 3600_000;

interface SecondFactorSessionsTable {
  credential_hash: string;
  subject: string;
  expires_at: Date;
}

type Db = Kysely<
  EdgeStoreDatabase & { vestibule_second_factor_sessions: SecondFactorSessionsTable }
>;

/** The key a credential is known by in the store and the counters: never the credential itself. */
export function credentialHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

export class SecondFactorSessions {
  private readonly db: Db;

  constructor(
    db: Kysely<EdgeStoreDatabase>,
    private readonly now: () => number,
  ) {
    this.db = db.withTables<{ vestibule_second_factor_sessions: SecondFactorSessionsTable }>();
  }

  /** Ties the session credential to the counter key its second-factor guesses count on. */
  async remember(credential: string, subject: string): Promise<void> {
    const row = {
      credential_hash: credentialHash(credential),
      subject,
      expires_at: new Date(this.now() + REMEMBER_MS),
    };
    await this.db
      .insertInto('vestibule_second_factor_sessions')
      .values(row)
      .onConflict((oc) =>
        oc.column('credential_hash').doUpdateSet({ subject, expires_at: row.expires_at }),
      )
      .execute();
  }

  async subjectOf(credential: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('vestibule_second_factor_sessions')
      .select('subject')
      .where('credential_hash', '=', credentialHash(credential))
      .where('expires_at', '>', new Date(this.now()))
      .executeTakeFirst();
    return row?.subject;
  }

  async prune(): Promise<number> {
    const result = await this.db
      .deleteFrom('vestibule_second_factor_sessions')
      .where('expires_at', '<=', new Date(this.now()))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
