// Hydra's logout requests on the admin API (/admin/oauth2/auth/requests/logout[/accept|/reject]).
// Accept answers the verifier URL (repeatable, 200 each time); reject answers 204 and nothing
// more: the logout app decides where the browser goes (consent/handler.go).
import { randomBytes } from 'node:crypto';
import type { ClientRegistry } from '../client/handler.ts';
import { hydraClientView } from '../client/metadata.ts';
import { json, notFound, type Router } from '../x/http.ts';
import type { LogoutRequest, LogoutStore } from './logout-store.ts';
import { challengeFrom } from './request-view.ts';

export interface LogoutRoutesOptions {
  logouts: LogoutStore;
  clients: ClientRegistry;
  issuer: string;
}

export function verifierURL(issuer: string, verifier: string): string {
  const url = new URL(`${issuer}/oauth2/sessions/logout`);
  url.searchParams.set('logout_verifier', verifier);
  return url.href;
}

export function mountLogoutRoutes(router: Router, o: LogoutRoutesOptions): void {
  const load = async (url: URL): Promise<LogoutRequest> => {
    const request = await o.logouts.find(challengeFrom(url, 'logout'));
    if (!request) throw notFound();
    return request;
  };

  router.on('GET', '/admin/oauth2/auth/requests/logout', async (_request, url) => {
    const request = await load(url);
    const client = request.client_id ? await o.clients.get(request.client_id) : undefined;
    return json(200, {
      challenge: request.challenge,
      subject: request.subject,
      sid: request.sid,
      request_url: request.request_url,
      rp_initiated: request.rp_initiated,
      requested_at: request.requested_at,
      expires_at: request.expires_at,
      client: client ? hydraClientView(client) : null,
    });
  });

  router.on('PUT', '/admin/oauth2/auth/requests/logout/accept', async (_request, url) => {
    const request = await load(url);
    if (request.status === 'rejected') throw notFound();
    if (!request.verifier) {
      request.verifier = randomBytes(32).toString('base64url');
      request.status = 'accepted';
      await o.logouts.save(request);
    }
    return json(200, { redirect_to: verifierURL(o.issuer, request.verifier) });
  });

  router.on('PUT', '/admin/oauth2/auth/requests/logout/reject', async (_request, url) => {
    const request = await load(url);
    request.status = 'rejected';
    delete request.verifier;
    await o.logouts.save(request);
    return json(204, null);
  });
}
