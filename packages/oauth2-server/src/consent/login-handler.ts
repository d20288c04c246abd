// Hydra's login requests on the admin API (/admin/oauth2/auth/requests/login[/accept|/reject]).
// The challenge is oidc-provider's interaction uid; accepting stores the interaction's result,
// and `redirect_to` is oidc-provider's resume URL, which only works with the browser's own
// cookies (like Hydra's login CSRF cookie): the login app must send the browser there.
import type Provider from 'oidc-provider';
import type { ClientRegistry } from '../client/handler.ts';
import { LOGIN_APP_REASON } from '../flow/markers.ts';
import { redirectWithVerifier } from './verifiers.ts';
import { invalidRequest, json, readJSON, type Router } from '../x/http.ts';
import {
  baseRequestView,
  challengeFrom,
  findInteraction,
  remainingTTL,
  type InteractionModel,
  type InteractionRecord,
} from './request-view.ts';

export interface FlowRoutesOptions {
  provider: Provider;
  clients: ClientRegistry;
  issuer: string;
}

interface SessionModel {
  find(id: string): Promise<{ accountId?: string; transient?: boolean } | undefined>;
}

/**
 * Hydra's `skip`: the browser has a remembered login session and nothing demands a new login
 * (prompt=login and max_age add their own reasons to the interaction's prompt).
 */
async function rememberedSubject(
  provider: Provider,
  interaction: InteractionRecord,
): Promise<string | undefined> {
  const { session, prompt } = interaction;
  if (!session?.accountId || !session.cookie) return undefined;
  if (prompt.reasons.some((reason) => reason !== LOGIN_APP_REASON)) return undefined;
  const stored = await (provider.Session as unknown as SessionModel).find(session.cookie);
  if (!stored || stored.transient || stored.accountId !== session.accountId) return undefined;
  return session.accountId;
}

export function errorResult(
  body: Record<string, unknown>,
  fallback: { error: string; description: string },
) {
  const text = (key: string) =>
    typeof body[key] === 'string' && body[key] ? (body[key] as string) : undefined;
  const hint = text('error_hint');
  const description = text('error_description') ?? fallback.description;
  return {
    error: text('error') ?? fallback.error,
    error_description: hint ? `${description} ${hint}` : description,
  };
}

export function mountLoginRoutes(router: Router, o: FlowRoutesOptions): void {
  const interactions = o.provider.Interaction as unknown as InteractionModel;

  router.on('GET', '/admin/oauth2/auth/requests/login', async (_request, url) => {
    const interaction = await findInteraction(interactions, challengeFrom(url, 'login'), 'login');
    const subject = await rememberedSubject(o.provider, interaction);
    return json(200, {
      ...(await baseRequestView(interaction, o.clients, o.issuer)),
      skip: subject !== undefined,
      subject: subject ?? '',
      session_id: interaction.session?.uid ?? '',
    });
  });

  router.on('PUT', '/admin/oauth2/auth/requests/login/accept', async (request, url) => {
    const interaction = await findInteraction(interactions, challengeFrom(url, 'login'), 'login');
    const body = await readJSON(request);
    if (typeof body.subject !== 'string' || !body.subject) {
      throw invalidRequest('Field subject must not be empty.');
    }
    const remembered = await rememberedSubject(o.provider, interaction);
    if (remembered !== undefined && remembered !== body.subject) {
      // consent/strategy_default.go: a skipped login must be accepted for the remembered subject.
      throw invalidRequest(
        'Subject from payload does not match subject from previous authentication.',
      );
    }
    const amr = Array.isArray(body.amr)
      ? body.amr.filter((v): v is string => typeof v === 'string')
      : undefined;
    const previous = interaction.result;
    interaction.result = {
      login: {
        accountId: body.subject,
        // Hydra forces remember on a skipped login (the session already is remembered).
        remember: remembered !== undefined || body.remember === true,
        ...(typeof body.acr === 'string' && body.acr ? { acr: body.acr } : {}),
        ...(amr?.length ? { amr } : {}),
      },
      hydraLogin: {
        context: body.context ?? null,
        identity_provider_session_id:
          typeof body.identity_provider_session_id === 'string'
            ? body.identity_provider_session_id
            : '',
        acr: typeof body.acr === 'string' ? body.acr : '',
        amr: amr ?? [],
      },
    };
    const redirectTo = redirectWithVerifier(interaction, 'login', previous);
    await interaction.save(remainingTTL(interaction));
    return json(200, { redirect_to: redirectTo });
  });

  router.on('PUT', '/admin/oauth2/auth/requests/login/reject', async (request, url) => {
    const interaction = await findInteraction(interactions, challengeFrom(url, 'login'), 'login');
    const previous = interaction.result;
    interaction.result = errorResult(await readJSON(request), {
      error: 'access_denied',
      description: 'The resource owner denied the request.',
    });
    const redirectTo = redirectWithVerifier(interaction, 'login', previous);
    await interaction.save(remainingTTL(interaction));
    return json(200, { redirect_to: redirectTo });
  });
}
