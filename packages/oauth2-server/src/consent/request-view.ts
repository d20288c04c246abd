// The parts of Hydra's login and consent requests (flow/consent_types.go) built from an
// oidc-provider interaction: the original authorization URL, requested scopes and audience,
// `oidc_context`, and the challenge read from the query as Hydra reads it.
import type { ClientRegistry } from '../client/handler.ts';
import { hydraClientView } from '../client/metadata.ts';
import { invalidRequest, notFound } from '../x/http.ts';

export interface InteractionRecord {
  uid: string;
  exp: number;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId: string; uid?: string; cookie?: string; acr?: string; amr?: string[] };
  result?: Record<string, unknown>;
  lastSubmission?: Record<string, unknown>;
  returnTo: string;
  grantId?: string;
  save(ttl: number): Promise<string>;
}

export interface InteractionModel {
  find(uid: string): Promise<InteractionRecord | undefined>;
}

/** Hydra reads `<kind>_challenge`, falling back to `challenge` (consent/handler.go). */
export function challengeFrom(url: URL, kind: 'login' | 'consent' | 'logout'): string {
  const challenge = url.searchParams.get(`${kind}_challenge`) || url.searchParams.get('challenge');
  if (!challenge)
    throw invalidRequest("Query parameter 'challenge' is not defined but should have been.");
  return challenge;
}

export async function findInteraction(
  model: InteractionModel,
  challenge: string,
  prompt: 'login' | 'consent',
): Promise<InteractionRecord> {
  const interaction = await model.find(challenge);
  if (!interaction || interaction.prompt.name !== prompt) throw notFound();
  return interaction;
}

const words = (value: unknown): string[] =>
  typeof value === 'string' ? value.split(' ').filter(Boolean) : [];

export function requestURL(issuer: string, params: Record<string, unknown>): string {
  const url = new URL(`${issuer}/oauth2/auth`);
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string') url.searchParams.set(key, value);
  }
  return url.href;
}

export function oidcContext(params: Record<string, unknown>): Record<string, unknown> {
  return {
    acr_values: words(params.acr_values),
    ui_locales: words(params.ui_locales),
    ...(typeof params.display === 'string' ? { display: params.display } : {}),
    ...(typeof params.login_hint === 'string' ? { login_hint: params.login_hint } : {}),
  };
}

export async function baseRequestView(
  interaction: InteractionRecord,
  clients: ClientRegistry,
  issuer: string,
): Promise<Record<string, unknown>> {
  const client = await clients.get(String(interaction.params.client_id));
  return {
    challenge: interaction.uid,
    requested_scope: words(interaction.params.scope),
    requested_access_token_audience: words(interaction.params.audience),
    oidc_context: oidcContext(interaction.params),
    client: client ? hydraClientView(client) : null,
    request_url: requestURL(issuer, interaction.params),
  };
}

export function remainingTTL(interaction: InteractionRecord): number {
  return Math.max(1, interaction.exp - Math.floor(Date.now() / 1000));
}
