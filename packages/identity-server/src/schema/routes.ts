// Public identity-schema endpoints (Kratos schema/handler.go): GET /schemas and GET /schemas/{id},
// where {id} is the schema id or its base64url form (the form `schema_url` uses).
import type { ServerContext } from '../driver/context.ts';
import { notFound } from '../http/errors.ts';
import { json } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import {
  FIRST_OFFSET_PAGE,
  linkHeader,
  readPageRequest,
  slicePage,
} from '../session/pagination.ts';

function decodeBase64URL(id: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  return Buffer.from(decoded).toString('base64url') === id ? decoded : undefined;
}

export function registerSchemaRoutes(router: Router, ctx: ServerContext): void {
  router
    .on('GET', '/schemas', ({ url }) => {
      const page = readPageRequest(url);
      const all = ctx.schemas.list().map((s) => ({ id: s.id, schema: s.raw }));
      const { items, next } = slicePage(all, page);
      return json(items, 200, {
        link: linkHeader(url, page.page_size, FIRST_OFFSET_PAGE, next),
      });
    })
    .on('GET', '/schemas/:id', ({ params }) => {
      const id = params.id!;
      const decoded = decodeBase64URL(id);
      const schema =
        ctx.schemas.get(id) ?? (decoded === undefined ? undefined : ctx.schemas.get(decoded));
      if (!schema) throw notFound(`Identity schema \`${decoded ?? id}\` could not be found.`);
      return json(schema.raw);
    });
}
