// Hydra's admin session API: list and revoke a subject's consent sessions
// (/admin/oauth2/auth/sessions/consent) and end its login sessions (/admin/oauth2/auth/sessions/login).
// Revoking a consent revokes every token minted from it (the grant's whole family).
import { sql, type Kysely } from 'kysely';
import type { Adapter } from 'oidc-provider';
import type { Database } from '../persistence/tables.ts';
import { invalidRequest, json, type Router } from '../x/http.ts';
import type { ConsentStore } from './store.ts';

export interface SessionRoutesOptions {
  consents: ConsentStore;
  db: Kysely<Database>;
  /** Any model's adapter: revokeByGrantId removes every model's rows of a grant. */
  adapter: Adapter;
}

function required(url: URL, key: string): string {
  const value = url.searchParams.get(key);
  if (!value) throw invalidRequest(`Query parameter '${key}' is not defined but should have been.`);
  return value;
}

export function mountSessionRoutes(router: Router, o: SessionRoutesOptions): void {
  router.on('GET', '/admin/oauth2/auth/sessions/consent', async (_request, url) => {
    const subject = required(url, 'subject');
    const loginSessionId = url.searchParams.get('login_session_id');
    const sessions = (await o.consents.remembered(subject)).filter(
      (c) => !loginSessionId || c.loginSessionId === loginSessionId,
    );
    return json(
      200,
      sessions.map((c) => ({
        consent_request: c.request,
        consent_request_id: (c.request as { consent_request_id?: string }).consent_request_id,
        grant_scope: c.grantedScope,
        grant_access_token_audience: c.grantedAudience,
        handled_at: c.handledAt.toISOString(),
        remember: c.remember,
        remember_for: c.rememberUntil
          ? Math.round((c.rememberUntil.getTime() - c.handledAt.getTime()) / 1000)
          : 0,
        session: { access_token: c.session.access_token ?? {}, id_token: c.session.id_token ?? {} },
      })),
    );
  });

  router.on('DELETE', '/admin/oauth2/auth/sessions/consent', async (_request, url) => {
    const subject = required(url, 'subject');
    const client = url.searchParams.get('client') ?? undefined;
    if (!client && url.searchParams.get('all') !== 'true') {
      throw invalidRequest("Query parameter 'client' or 'all=true' must be set.");
    }
    for (const grantId of await o.consents.revoke(subject, client))
      await o.adapter.revokeByGrantId(grantId);
    return json(204, null);
  });

  router.on('DELETE', '/admin/oauth2/auth/sessions/login', async (_request, url) => {
    const subject = url.searchParams.get('subject');
    const sid = url.searchParams.get('sid');
    if (!subject && !sid) throw invalidRequest("Query parameter 'subject' or 'sid' must be set.");
    let query = o.db.deleteFrom('oauth2_payloads').where('model', '=', 'Session');
    if (subject) query = query.where(sql<string>`payload->>'accountId'`, '=', subject);
    if (sid) query = query.where('uid', '=', sid);
    await query.execute();
    return json(204, null);
  });
}
