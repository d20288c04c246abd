// Small helpers shared by the contract tests.
import assert from 'node:assert/strict';
import { ResponseError, type FrontendApi } from '@ory/client-fetch';

export interface WireNode {
  type: string;
  group: string;
  attributes: Record<string, unknown>;
  messages: Array<{ id: number; text: string; type: string; context?: Record<string, unknown> }>;
  meta: { label?: { id: number; text: string } };
}
export interface WireFlow {
  id: string;
  type: string;
  return_to?: string;
  refresh?: boolean;
  ui: {
    action: string;
    method: string;
    nodes: WireNode[];
    messages?: Array<{ id: number; text: string }>;
  };
}

export function nodeOf(flow: { ui: { nodes: unknown[] } }, name: string): WireNode {
  const node = (flow.ui.nodes as WireNode[]).find((n) => n.attributes.name === name);
  assert.ok(node, `flow has no node "${name}"`);
  return node;
}

export function csrfOf(flow: { ui: { nodes: unknown[] } }): string {
  return String(nodeOf(flow, 'csrf_token').attributes.value);
}

export function messageIds(flow: WireFlow): number[] {
  return [...(flow.ui.messages ?? []), ...flow.ui.nodes.flatMap((n) => n.messages)].map(
    (m) => m.id,
  );
}

/** Awaits an SDK call that must fail; returns the status and parsed body. */
export async function sdkError(
  call: Promise<unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ResponseError) {
      const text = await err.response.text();
      return {
        status: err.response.status,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
    }
    throw err;
  }
  assert.fail('expected the call to fail');
}

export function errorId(body: Record<string, unknown>): string | undefined {
  return (body.error as { id?: string } | undefined)?.id;
}

let counter = 0;
/** A unique e-mail per call, so tests never collide (even against a shared external Kratos). */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

/** Registers an identity through the API flow and returns its session token. */
export async function registerNative(
  frontend: FrontendApi,
  email: string,
  password = PASSWORD,
): Promise<{ token: string; identityId: string }> {
  const flow = await frontend.createNativeRegistrationFlow();
  const result = await frontend.updateRegistrationFlow({
    flow: flow.id,
    updateRegistrationFlowBody: { method: 'password', traits: { email }, password },
  });
  return { token: result.session_token!, identityId: result.identity.id };
}
