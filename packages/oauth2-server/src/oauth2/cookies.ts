// Hydra's cookie names. Hydra keeps one login and one consent CSRF cookie per client, named
// `<base>_<suffix>` where the suffix is the decimal unsigned MurmurHash3 (32-bit, seed 0) of the
// client id's bytes (client.CookieSuffix: strconv.Itoa(int(murmur3.Sum32(id)))), so two clients'
// flows in one browser never overwrite each other; the session cookie has no suffix. Every name
// takes `_dev` in dev mode.
//
// oidc-provider asks for a cookie name with `provider.cookieName(type)`, without the request; the
// request's client travels here in an AsyncLocalStorage the public middleware opens per request.
import { AsyncLocalStorage } from 'node:async_hooks';
import murmurhash from 'murmurhash';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** Hydra's per-client cookie suffix: the client id's MurmurHash3 as an unsigned decimal. */
export function cookieSuffix(clientId: string): string {
  return String(murmurhash.v3(Buffer.from(clientId, 'utf8')));
}

export interface HydraCookieNames {
  session: string;
  loginCSRF: string;
  consentCSRF: string;
}

export function hydraCookieNames(dev: boolean): HydraCookieNames {
  const suffix = dev ? '_dev' : '';
  return {
    session: `ory_hydra_session${suffix}`,
    loginCSRF: `ory_hydra_login_csrf${suffix}`,
    consentCSRF: `ory_hydra_consent_csrf${suffix}`,
  };
}

interface RequestClient {
  ctx: KoaContextWithOIDC;
  /** Known before oidc-provider loads the client (the resume step reads its cookie first). */
  clientId?: string;
}

const current = new AsyncLocalStorage<RequestClient>();

type Next = () => Promise<void>;

/**
 * Makes oidc-provider's interaction cookie Hydra's login CSRF cookie and its resume cookie Hydra's
 * consent CSRF cookie, both suffixed per client. Without a known client the suffix is missing:
 * such a cookie is never found again, so the flow fails (session not found) rather than mixing
 * two clients' flows.
 */
export function installHydraCookieNames(provider: Provider, dev: boolean): void {
  const names = hydraCookieNames(dev);
  const perClient = (base: string) => {
    const request = current.getStore();
    const clientId = request?.clientId ?? request?.ctx.oidc?.client?.clientId;
    return clientId ? `${base}_${cookieSuffix(clientId)}` : base;
  };
  (provider as unknown as { cookieName(type: string): string }).cookieName = (type) => {
    if (type === 'session') return names.session;
    if (type === 'interaction') return perClient(names.loginCSRF);
    if (type === 'resume') return perClient(names.consentCSRF);
    throw new Error(`cookie name for type ${type} is not configured`);
  };
  const resumePath = /^\/oauth2\/auth\/([\w-]{1,200})$/;
  provider.use(async (ctx, next: Next) => {
    const request: RequestClient = { ctx: ctx as unknown as KoaContextWithOIDC };
    const resume = ctx.method === 'GET' ? resumePath.exec(ctx.path) : null;
    if (resume) {
      // The resume URL carries the interaction's uid; its stored parameters name the client.
      const interaction = await provider.Interaction.find(resume[1]!);
      const clientId = (interaction?.params as { client_id?: unknown } | undefined)?.client_id;
      if (typeof clientId === 'string') request.clientId = clientId;
    }
    await current.run(request, next);
  });
}
