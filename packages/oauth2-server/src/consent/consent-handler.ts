// Hydra's consent requests on the admin API (/admin/oauth2/auth/requests/consent[/accept|/reject]).
// Accepting creates the oidc-provider grant (the scopes the tokens may carry) and Hydra's consent
// session (the claims for the tokens; remembered or not), both under the grant's id.
import { ADDED_CONSENT_PROMPT } from '../flow/markers.ts';
import type { ConsentStore, TokenSessionClaims } from './store.ts';
import { invalidRequest, json, readJSON, type Router } from '../x/http.ts';
import { errorResult, type FlowRoutesOptions } from './login-handler.ts';
import { redirectWithVerifier } from './verifiers.ts';
import {
  baseRequestView,
  challengeFrom,
  findInteraction,
  remainingTTL,
  type InteractionModel,
  type InteractionRecord,
} from './request-view.ts';

interface GrantModel {
  new (init: { accountId: string; clientId: string }): {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  };
}

const words = (value: unknown): string[] =>
  typeof value === 'string' ? value.split(' ').filter(Boolean) : [];

function strings(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalidRequest(`Field ${field} must be an array of strings.`);
  }
  return value as string[];
}

/** A loopback or https redirect: Hydra only skips consent for public clients with one of those. */
function isTrustworthyRedirect(uri: unknown): boolean {
  if (typeof uri !== 'string') return false;
  try {
    const url = new URL(uri);
    return url.protocol === 'https:' || ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  } catch {
    return false;
  }
}

async function isRemembered(
  consents: ConsentStore,
  interaction: InteractionRecord,
  isPublic: boolean,
): Promise<boolean> {
  const { params, session } = interaction;
  if (!session?.accountId) return false;
  const forced = words(params.prompt).includes('consent') && params[ADDED_CONSENT_PROMPT] !== '1';
  if (forced) return false;
  if (isPublic && !isTrustworthyRedirect(params.redirect_uri)) return false;
  const requested = words(params.scope);
  const remembered = await consents.remembered(session.accountId, String(params.client_id));
  return remembered.some((c) => requested.every((scope) => c.grantedScope.includes(scope)));
}

export function mountConsentRoutes(
  router: Router,
  o: FlowRoutesOptions & { consents: ConsentStore },
): void {
  const interactions = o.provider.Interaction as unknown as InteractionModel;

  async function view(interaction: InteractionRecord) {
    const base = await baseRequestView(interaction, o.clients, o.issuer);
    const client = base.client as { token_endpoint_auth_method?: string } | null;
    const login = (interaction.lastSubmission?.hydraLogin ?? {}) as Record<string, unknown>;
    return {
      ...base,
      consent_request_id: interaction.uid,
      skip: await isRemembered(
        o.consents,
        interaction,
        client?.token_endpoint_auth_method === 'none',
      ),
      subject: interaction.session?.accountId ?? '',
      login_challenge: '',
      login_session_id: interaction.session?.uid ?? '',
      acr: login.acr ?? interaction.session?.acr ?? '',
      amr: login.amr ?? interaction.session?.amr ?? [],
      ...(login.context ? { context: login.context } : {}),
    };
  }

  router.on('GET', '/admin/oauth2/auth/requests/consent', async (_request, url) => {
    const interaction = await findInteraction(
      interactions,
      challengeFrom(url, 'consent'),
      'consent',
    );
    return json(200, await view(interaction));
  });

  router.on('PUT', '/admin/oauth2/auth/requests/consent/accept', async (request, url) => {
    const interaction = await findInteraction(
      interactions,
      challengeFrom(url, 'consent'),
      'consent',
    );
    const body = await readJSON(request);
    const grantScope = strings(body.grant_scope, 'grant_scope');
    const grantAudience = strings(body.grant_access_token_audience, 'grant_access_token_audience');
    const subject = interaction.session?.accountId;
    if (!subject) throw invalidRequest('The consent request has no authenticated subject.');
    const clientId = String(interaction.params.client_id);
    const Grant = o.provider.Grant as unknown as GrantModel;
    const grant = new Grant({ accountId: subject, clientId });
    if (grantScope.length) grant.addOIDCScope(grantScope.join(' '));
    const grantId = await grant.save();
    const rememberFor = typeof body.remember_for === 'number' ? body.remember_for : 0;
    const session = (
      body.session && typeof body.session === 'object' ? body.session : {}
    ) as TokenSessionClaims;
    await o.consents.save({
      grantId,
      subject,
      clientId,
      loginSessionId: interaction.session?.uid ?? null,
      grantedScope: grantScope,
      grantedAudience: grantAudience,
      session,
      remember: body.remember === true,
      rememberUntil:
        body.remember === true && rememberFor > 0
          ? new Date(Date.now() + rememberFor * 1000)
          : null,
      handledAt: new Date(),
      request: await view(interaction),
    });
    const previous = interaction.result;
    interaction.result = { ...interaction.lastSubmission, consent: { grantId } };
    const redirectTo = redirectWithVerifier(interaction, 'consent', previous);
    await interaction.save(remainingTTL(interaction));
    return json(200, { redirect_to: redirectTo });
  });

  router.on('PUT', '/admin/oauth2/auth/requests/consent/reject', async (request, url) => {
    const interaction = await findInteraction(
      interactions,
      challengeFrom(url, 'consent'),
      'consent',
    );
    const previous = interaction.result;
    interaction.result = errorResult(await readJSON(request), {
      error: 'access_denied',
      description: 'The resource owner denied the request.',
    });
    const redirectTo = redirectWithVerifier(interaction, 'consent', previous);
    await interaction.save(remainingTTL(interaction));
    return json(200, { redirect_to: redirectTo });
  });
}
