// The dev mailbox page in front of the identity server's real admin courier routes (in-process
// fetch), on a fake clock, with the URLs it fetched: GET /admin/courier/messages is the boundary
// real Kratos offers too.
import { createDevMailbox } from '../../src/dev/index.ts';
import { Router } from '../../../identity-server/src/http/index.ts';
import {
  createCourier,
  createDevMailboxTransport,
  registerAdminCourierRoutes,
} from '../../../identity-server/src/courier/index.ts';
import { courierTestContext } from '../../../identity-server/test/courier/support.ts';

export function startMailbox(options: { dev?: boolean } = { dev: true }) {
  const { ctx, clock } = courierTestContext();
  const courier = createCourier(ctx, { transport: createDevMailboxTransport() });
  const router = new Router();
  registerAdminCourierRoutes(router, ctx, options);
  const seen: string[] = [];
  const mailbox = createDevMailbox({
    kratosAdminURL: 'http://kratos-admin.internal:4434',
    allowedHosts: ['edge.test'],
    fetch: (input, init) => {
      const request = new Request(input, init);
      seen.push(request.url);
      return router.handle(request, 'r');
    },
  });
  const get = (path: string, init?: RequestInit) =>
    mailbox(new Request(`http://edge.test${path}`, init));
  return { courier, clock, get, seen };
}
