// The embedded identity server on free ports, in memory, for the operator-command tests.
import { startEmbeddedIdentity, type EmbeddedIdentity } from '../../src/stack/embedded-identity.ts';
import { createLogger } from 'vestibule/edge';

export async function startTestIdentity(
  edgeURL = 'http://localhost:4000',
): Promise<EmbeddedIdentity> {
  return startEmbeddedIdentity({
    host: '127.0.0.1',
    publicPort: 0,
    adminPort: 0,
    edgeURL,
    logger: createLogger({ level: 'error', write: () => {} }),
    bcryptCost: 4,
  });
}

/** Signs in through Kratos's API flow (as a native app would) and returns the session token. */
export async function signInByAPI(publicURL: string, email: string, password: string) {
  const flow = (await (await fetch(`${publicURL}/self-service/login/api`)).json()) as {
    ui: { action: string };
  };
  const response = await fetch(flow.ui.action.replace(/^https?:\/\/[^/]+\/api\/ory/, publicURL), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ method: 'password', identifier: email, password }),
  });
  if (response.status !== 200)
    throw new Error(`login: ${response.status} ${await response.text()}`);
  return (await response.json()) as { session_token: string; session: { id: string } };
}
