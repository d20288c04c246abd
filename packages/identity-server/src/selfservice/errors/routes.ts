// GET /self-service/errors?id= (Kratos getFlowError): the stored error container, or 404.
import type { ServerContext } from '../../driver/context.ts';
import { notFound } from '../../http/errors.ts';
import { json } from '../../http/respond.ts';
import type { Router } from '../../http/router.ts';
import { isUUID } from '../../http/url.ts';

export function registerErrorRoutes(router: Router, ctx: ServerContext): void {
  router.on('GET', '/self-service/errors', async ({ url }) => {
    const id = url.searchParams.get('id');
    const record = isUUID(id) ? await ctx.persister.getError(id) : undefined;
    if (!record) throw notFound();
    return json({
      id: record.id,
      error: record.error,
      created_at: record.created_at,
      updated_at: record.updated_at,
    });
  });
}
