// Ory's SDK (`@ory/client-fetch`, ~25 MB of a process's memory once imported) is loaded by the first
// self-service page, not when the edge starts: an edge serving only gateway traffic never needs it
// (issue 15). A failed load answers that page 500 and is tried again by the next one.
import { lazyModule } from '../lib/lazy-module.ts';

export const loadOrySDK = lazyModule(
  'the Ory SDK (@ory/client-fetch)',
  () => import('@ory/client-fetch'),
);
