// The demo's admin account, created through Kratos's admin API (so it works against a real Kratos
// too): traits.email, a password credential, and metadata_public.role = "admin", which the gateway
// and ensureUser() read as the role. Idempotent: an existing identity with that email is kept.
import { callOutbound } from '../lib/outbound.ts';

export interface AdminAccount {
  email: string;
  password: string;
}

export type SeedResult = 'created' | 'exists';

export async function seedAdmin(
  adminURL: string,
  account: AdminAccount,
  timeoutMs = 10_000,
): Promise<SeedResult> {
  const base = adminURL.replace(/\/+$/, '');
  const outbound = { timeoutMs, service: 'Kratos admin API' };
  const lookup = await callOutbound(
    `${base}/admin/identities?credentials_identifier=${encodeURIComponent(account.email)}`,
    { headers: { accept: 'application/json' } },
    outbound,
  );
  if (!lookup.ok) throw new Error(`listing identities failed with HTTP ${lookup.status}`);
  const found = (await lookup.json()) as unknown[];
  if (Array.isArray(found) && found.length > 0) return 'exists';
  const created = await callOutbound(
    `${base}/admin/identities`,
    {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        schema_id: 'default',
        state: 'active',
        traits: { email: account.email },
        metadata_public: { role: 'admin' },
        credentials: { password: { config: { password: account.password } } },
      }),
    },
    outbound,
  );
  if (created.status === 409) return 'exists';
  if (created.status !== 201) {
    const body = await created.text().catch(() => '');
    throw new Error(
      `creating the admin identity failed with HTTP ${created.status}: ${body.slice(0, 300)}`,
    );
  }
  return 'created';
}
