// The demo's admin account, created through Kratos's admin API with the official SDK (so it works
// against a real Kratos too): traits.email, a password credential, and metadata_public.role =
// "admin", which the gateway and ensureUser() read as the role. Idempotent: an existing identity
// with that email is kept.
import { Configuration, IdentityApi, ResponseError } from '@ory/client-fetch';

export interface AdminAccount {
  email: string;
  password: string;
}

export type SeedResult = 'created' | 'exists';

/**
 * `passwordHash`: the password already hashed as that server hashes (the embedded one, whose
 * hasher the stack knows), sent as Kratos's `hashed_password` import; else Kratos hashes it.
 */
export async function seedAdmin(
  adminURL: string,
  account: AdminAccount,
  timeoutMs = 10_000,
  passwordHash?: string,
): Promise<SeedResult> {
  const identities = new IdentityApi(
    new Configuration({
      basePath: adminURL.replace(/\/+$/, ''),
      // One deadline per call: a Kratos that accepts the connection and never answers must not
      // hang `vestibule up`.
      fetchApi: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    }),
  );
  const found = await identities
    .listIdentities({ credentialsIdentifier: account.email })
    .catch((err: unknown) => rethrow('listing identities', err));
  if (found.length > 0) return 'exists';
  try {
    await identities.createIdentity({
      createIdentityBody: {
        schema_id: 'default',
        state: 'active',
        traits: { email: account.email },
        metadata_public: { role: 'admin' },
        credentials: {
          password: {
            config: passwordHash
              ? { hashed_password: passwordHash }
              : { password: account.password },
          },
        },
      },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ResponseError && err.response.status === 409) return 'exists';
    return rethrow('creating the admin identity', err);
  }
}

async function rethrow(action: string, err: unknown): Promise<never> {
  if (err instanceof ResponseError) {
    const body = await err.response.text().catch(() => '');
    throw new Error(`${action} failed with HTTP ${err.response.status}: ${body.slice(0, 300)}`);
  }
  const cause = (err as Error)?.cause as Error | undefined;
  throw new Error(
    `${action} failed: Kratos admin API is unreachable (${cause?.message ?? String(err)})`,
    {
      cause: err,
    },
  );
}
