// Shared setup of the account-lifecycle tests (recovery, verification, settings): the in-memory
// context with a fake clock, the lifecycle routes mounted, and a courier delivering to an
// in-process mailbox the tests read codes from.
import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ConfigOverrides } from '../../src/config/index.ts';
import {
  createCourier,
  createDevMailboxTransport,
  type Courier,
  type DevMailboxTransport,
} from '../../src/courier/index.ts';
import { createIdentityServer } from '../../src/server.ts';
import { createClient, type TestClient } from '../support/http-client.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import { readSharedJSON } from '../../../../test/support/shared.ts';

export type Flow = {
  id: string;
  type: string;
  state: string;
  expires_at: string;
  return_to?: string;
  continue_with?: Array<Record<string, unknown>>;
  identity?: {
    id: string;
    traits: Record<string, unknown>;
    verifiable_addresses: Array<Record<string, unknown>>;
  };
  ui: {
    action: string;
    messages?: Array<{ id: number; text: string; type: string; context?: Record<string, unknown> }>;
    nodes: Array<{
      type: string;
      group: string;
      attributes: Record<string, unknown>;
      messages: Array<{ id: number }>;
    }>;
  };
};

export async function lifecycleSetup(overrides: ConfigOverrides = {}) {
  const context = await createMemoryContext(overrides);
  const mailbox = createDevMailboxTransport({ now: () => context.clock.now() });
  // The server delivers through this context's courier: one writing to a mailbox the test reads.
  const courier: Courier = createCourier(context, { transport: mailbox });
  context.courier = courier;
  const server = await createIdentityServer({
    context,
    dev: true,
  });
  const base = context.config.serve.public.base_url;
  const adminBase = context.config.serve.admin.base_url;
  return {
    server,
    context,
    courier,
    mailbox,
    base,
    browser: (): TestClient => createClient(base, server.publicHandler),
    admin: (): TestClient => createClient(adminBase, server.adminHandler),
    /** The code in the newest mail to `to` (waits for the courier, never for time). */
    async lastCode(to: string): Promise<string | undefined> {
      await courier.idle();
      return codeIn(mailbox, to);
    },
  };
}
export type Lifecycle = Awaited<ReturnType<typeof lifecycleSetup>>;

export function codeIn(mailbox: DevMailboxTransport, to: string): string | undefined {
  const mail = mailbox.messages().find((m) => m.to === to);
  return mail ? /^(\d{6})$/m.exec(mail.text)?.[1] : undefined;
}

/** Registers an identity through the API registration flow; returns its session token. */
export async function registerIdentity(
  life: Lifecycle,
  email: string,
  password = 'correct horse battery staple',
  traits: Record<string, unknown> = {},
): Promise<{ token: string; identityId: string }> {
  const api = life.browser();
  const init = await api.request('/self-service/registration/api');
  const flow = (await init.json()) as Flow;
  const res = await api.request(flow.ui.action, {
    method: 'POST',
    json: { method: 'password', traits: { email, ...traits }, password },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { session_token: string; identity: { id: string } };
  return { token: body.session_token, identityId: body.identity.id };
}

/** Logs in through a browser JSON login flow; the client keeps the session cookie. */
export async function loginBrowser(client: TestClient, identifier: string, password: string) {
  const init = await client.request('/self-service/login/browser', {
    headers: { accept: 'application/json' },
  });
  const flow = (await init.json()) as Flow;
  return client.request(flow.ui.action, {
    method: 'POST',
    json: { method: 'password', identifier, password, csrf_token: csrfOf(flow) },
  });
}

export function csrfOf(flow: Flow): string {
  return String(
    flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value ?? '',
  );
}

export function node(flow: Flow, name: string, type?: string) {
  return flow.ui.nodes.find(
    (n) => n.attributes.name === name && (type === undefined || n.attributes.type === type),
  );
}

export const messageIds = (flow: Flow): number[] => (flow.ui.messages ?? []).map((m) => m.id);

/** Follows a browser redirect to the UI (`…?flow=<id>`) by fetching that flow as the UI would. */
export async function flowFromUIRedirect(
  client: TestClient,
  res: Response,
  kind: string,
): Promise<Flow> {
  assert.equal(res.status, 303, await res.clone().text());
  const id = new URL(res.headers.get('location')!).searchParams.get('flow');
  assert.ok(id, `redirect to a flow UI: ${res.headers.get('location')}`);
  const fetched = await client.request(`/self-service/${kind}/flows?id=${id}`);
  assert.equal(fetched.status, 200, await fetched.clone().text());
  return (await fetched.json()) as Flow;
}

// OpenAPI validation of response bodies against Kratos's published schemas (when the shared
// reference data is present; see test/support/shared.ts).
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const spec = readSharedJSON<{ components: { schemas: Record<string, unknown> } }>(
  'kratos/openapi.v26.2.0.json',
);
const ajv = spec ? addFormats(new Ajv({ strict: false, allErrors: true })) : undefined;
if (ajv && spec) ajv.addSchema({ $id: 'kratos', components: withoutBareNullable(spec.components) });

/** OpenAPI 3.0 `nullable` without `type` (allowed there) is an error for Ajv: drop the flag. */
function withoutBareNullable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutBareNullable);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withoutBareNullable(v);
  if ('nullable' in out && !('type' in out)) delete out.nullable;
  return out;
}
const compiled = new Map<string, ValidateFunction>();

export function assertSchema(name: string, value: unknown): void {
  if (!ajv) return;
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.compile({ $ref: `kratos#/components/schemas/${name}` });
    compiled.set(name, validate);
  }
  assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors)}`);
}

/** The first verifiable address of the session's identity, as /sessions/whoami shows it. */
export async function addressOf(life: Lifecycle, token: string) {
  const res = await life
    .browser()
    .request('/sessions/whoami', { headers: { 'x-session-token': token } });
  const session = (await res.json()) as {
    identity: {
      verifiable_addresses: Array<{
        value: string;
        verified: boolean;
        status: string;
        verified_at?: string;
      }>;
    };
  };
  return session.identity.verifiable_addresses[0]!;
}
