// Hydra's admin key API, read side: GET /admin/keys/{set} returns the set's keys with their
// private fields, as Hydra's does (jwk/handler.go); an unknown set is Hydra's 404.
import type { Kysely } from 'kysely';
import type { Database } from '../persistence/tables.ts';
import { json, notFound, type Router } from '../x/http.ts';
import { keysOfSet } from './keys.ts';

export function mountKeyRoutes(router: Router, db: Kysely<Database>): void {
  router.on('GET', '/admin/keys/:set', async (_request, _url, { set }) => {
    const keys = await keysOfSet(db, set!);
    if (keys.length === 0) throw notFound();
    return json(200, { keys });
  });
  router.on('GET', '/admin/keys/:set/:kid', async (_request, _url, { set, kid }) => {
    const keys = (await keysOfSet(db, set!)).filter((key) => key.kid === kid);
    if (keys.length === 0) throw notFound();
    return json(200, { keys });
  });
}
