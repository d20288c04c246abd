// Helpers for the pages' tests: the recorded Kratos flows (../shared/ory/elements/flows), a stub
// Kratos as an injected fetch, and a small HTML reader for assertions.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sharedOryPath } from '../../../../test/support/shared.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { createSelfServicePages, type SelfServicePagesOptions } from '../../src/pages/index.ts';
import type { FlowType } from '../../src/pages/ui/flow-types.ts';

export const FIXTURE_KRATOS = 'https://slug.projects.oryapis:8080';
export const EDGE = 'http://localhost:4000';

export interface RecordedFlow {
  /** e.g. `login/1fa/unified/password/initial-form.json` */
  name: string;
  flowType: FlowType;
  body: Record<string, unknown>;
}

/** Every recorded flow, or undefined (after a skip notice) when the reference data is absent. */
export function loadRecordedFlows(): RecordedFlow[] | undefined {
  const dir = sharedOryPath('elements/flows');
  if (!dir) return undefined;
  const out: RecordedFlow[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.json')) {
        const name = relative(dir, path);
        const top = name.split('/')[0]!;
        // recovery-v2 / recovery_v2 are Ory's newer recovery UI states of the same flow.
        const flowType = (top.startsWith('recovery') ? 'recovery' : top) as FlowType;
        out.push({
          name,
          flowType,
          body: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>,
        });
      }
    }
  };
  walk(dir);
  return out;
}

export type StubRoute = (url: URL, init: RequestInit) => Response | Promise<Response>;

/** A fetch that answers from `route` and records every call (url + headers). */
export function stubKratos(route: StubRoute) {
  const calls: Array<{ url: URL; headers: Headers }> = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    );
    calls.push({ url, headers: new Headers(init.headers) });
    return route(url, init);
  };
  return { fetch, calls };
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

export function makePages(
  fetch: SelfServicePagesOptions['fetch'],
  extra: Partial<SelfServicePagesOptions> = {},
) {
  const logger = createMemoryLogger();
  const pages = createSelfServicePages({
    kratosPublicURL: FIXTURE_KRATOS,
    fetch,
    logger,
    ...extra,
  });
  return { pages, logger };
}

/** Serve one recorded flow body for any flow fetch. */
export function servingFlow(body: unknown) {
  return stubKratos((url) => (url.pathname.endsWith('/flows') ? json(200, body) : json(404, {})));
}

export async function getPage(
  pages: ReturnType<typeof createSelfServicePages>,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const response = await pages(new Request(EDGE + path, { headers }));
  if (!response) throw new Error(`not a page path: ${path}`);
  return response;
}

export interface Tag {
  name: string;
  attrs: Map<string, string>;
  /** Offset in the document, for "which section is this in" questions. */
  at: number;
  /** data-group of the nearest section/form opened before this tag. */
  group: string | undefined;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  '#96': '`',
};

export function unescapeHTML(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, e: string) => ENTITIES[e]!);
}

/**
 * Start tags of the pages' own markup. The pages always quote attribute values and escape `"`, `<`,
 * `>` inside them, so a tag ends at the first `>`: this reader is exact for our output (and would
 * make a test fail, not pass, if escaping broke).
 */
export function scanTags(doc: string): Tag[] {
  const tags: Tag[] = [];
  let group: string | undefined;
  for (const m of doc.matchAll(/<([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*(?:="[^"]*")?)*)\s*>/g)) {
    const attrs = new Map<string, string>();
    for (const a of m[2]!.matchAll(/([a-z][a-z0-9-]*)(?:="([^"]*)")?/g))
      attrs.set(a[1]!, unescapeHTML(a[2] ?? ''));
    const tag: Tag = { name: m[1]!, attrs, at: m.index, group };
    if (attrs.has('data-group') && (m[1] === 'div' || m[1] === 'form'))
      group = attrs.get('data-group');
    tag.group = group;
    tags.push(tag);
  }
  return tags;
}

/** The smallest renderable flow (a CSRF token), with `id` 11111111-…; `extra` overrides top-level keys. */
export function minimalFlow(extra: Record<string, unknown> = {}) {
  return {
    id: '11111111-2222-3333-4444-555555555555',
    type: 'browser',
    ui: {
      action: `${FIXTURE_KRATOS}/self-service/login?flow=11111111-2222-3333-4444-555555555555`,
      method: 'POST',
      nodes: [
        {
          type: 'input',
          group: 'default',
          attributes: { name: 'csrf_token', type: 'hidden', value: 'tok', node_type: 'input' },
          messages: [],
          meta: {},
        },
      ],
    },
    ...extra,
  };
}
