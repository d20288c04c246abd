// The entry-file edit `vestibule add-auth` proposes: the adapter's imports, `auth`, and one GET
// /api/me handler showing getUser(). ES module entries import vestibule; CommonJS entries load it
// with import() — vestibule ships ES modules whose exports have only an "import" condition, so
// require() fails (ERR_PACKAGE_PATH_NOT_EXPORTED) on every Node version, while import() works from
// CommonJS everywhere. A plain node:http app has no router: its request handler is wrapped so that
// /api/me is answered first (the handler is found by parsing, not by guessing where it ends).
import { parseExpressionAt } from 'acorn';
import type { AppFacts, Framework } from './detect.ts';

export const MARKER = 'vestibule add-auth';
export const EXAMPLE_PATH = '/api/me';

interface Expression {
  type: string;
  start: number;
  end: number;
  expressions?: Expression[];
}

/** One JavaScript expression at an offset; undefined for what does not parse (TypeScript too). */
function expressionAt(source: string, offset: number): Expression | undefined {
  try {
    return parseExpressionAt(source, offset, {
      ecmaVersion: 'latest',
      sourceType: 'module',
    }) as Expression;
  } catch {
    return undefined;
  }
}

const ADAPTER: Record<Framework, string> = {
  express: 'expressAuth',
  fastify: 'fastifyAuth',
  hono: 'honoAuth',
  next: 'nextAuth',
  node: 'nodeAuth',
};

const adapterModule = (framework: Framework) => `vestibule/adapters/${framework}`;
/** A dynamic import expression as generated text (kept out of this file's own import list). */
const dynamicImport = (specifier: string) =>
  `import(${JSON.stringify(specifier).replace(/"/g, "'")})`;

const CREATE =
  "createVestibule({ mode: 'header', headerSecret: process.env.VESTIBULE_HEADER_SECRET })";

/** ES module wiring: imports, then `auth`. */
export function esmWiring(framework: Framework): { imports: string[]; auth: string[] } {
  return {
    imports: [
      `// Identity from the edge's signed headers (added by \`${MARKER}\`).`,
      "import { createVestibule } from 'vestibule';",
      `import { ${ADAPTER[framework]} } from '${adapterModule(framework)}';`,
    ],
    auth: [`const auth = ${ADAPTER[framework]}(`, `  ${CREATE},`, ');'],
  };
}

/** CommonJS wiring: `auth` is a promise of the adapter (await it in handlers). */
function cjsWiring(framework: Framework): string[] {
  const adapter = ADAPTER[framework];
  return [
    `// Identity from the edge's signed headers (added by \`${MARKER}\`). vestibule is an ES module:`,
    '// CommonJS loads it with import(); handlers use (await auth).getUser(req).',
    `const auth = Promise.all([${dynamicImport('vestibule')}, ${dynamicImport(adapterModule(framework))}]).then(`,
    `  ([{ createVestibule }, { ${adapter} }]) =>`,
    `    ${adapter}(${CREATE}),`,
    ');',
  ];
}

function exampleHandler(framework: Framework, app: string, esm: boolean): string | undefined {
  const auth = esm ? 'auth' : '(await auth)';
  switch (framework) {
    case 'express':
      return `${app}.get('${EXAMPLE_PATH}', async (req, res) => res.json({ user: await ${auth}.getUser(req) }));`;
    case 'fastify':
      return `${app}.get('${EXAMPLE_PATH}', async (request) => ({ user: await ${auth}.getUser(request) }));`;
    case 'hono':
      return `${app}.get('${EXAMPLE_PATH}', async (c) => c.json({ user: await ${auth}.getUser(c) }));`;
    default:
      return undefined;
  }
}

const APP_VARIABLE: Partial<Record<Framework, RegExp>> = {
  express: /\b(?:const|let|var)\s+(\w+)\s*=\s*express\(/,
  fastify: /\b(?:const|let|var)\s+(\w+)\s*=\s*(?:Fastify|fastify)\(/,
  hono: /\b(?:const|let|var)\s+(\w+)\s*=\s*new\s+Hono\b/,
};

/** node:http: answers /api/me with getUser(), everything else goes to the app's own handler. */
function nodeExample(esm: boolean): string[] {
  return [
    `// getUser(): the signed-in user, or null (${MARKER}).`,
    'const withAuthExample = (handler) => async (req, res) => {',
    `  if (req.url?.split('?')[0] !== '${EXAMPLE_PATH}') return handler(req, res);`,
    `  const user = await ${esm ? 'auth' : '(await auth)'}.getUser(req);`,
    "  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user }));",
    '};',
  ];
}

/**
 * `createServer(handler)` → `createServer(withAuthExample(handler))`, or undefined when the call or
 * its handler cannot be found (the wiring is then added without the example).
 */
function wrapNodeHandler(source: string): string | undefined {
  const call = /\bcreateServer\(\s*/.exec(source);
  if (!call) return undefined;
  // The arguments parse as one expression: `options, handler` is a sequence, the handler last.
  const args = expressionAt(source, call.index + call[0].length);
  const handler = args?.type === 'SequenceExpression' ? args.expressions?.at(-1) : args;
  if (!handler || !/FunctionExpression$|^Identifier$/.test(handler.type)) return undefined;
  const { start, end } = handler;
  return `${source.slice(0, start)}withAuthExample(${source.slice(start, end)})${source.slice(end)}`;
}

const IMPORT_LINE = /^import\s.*from\s|^import\s+['"]/;
const REQUIRE_LINE = /^(?:(?:const|let|var)\s.*=\s*)?require\(\s*['"][^'"]+['"]\s*\)[.\w]*;?\s*$/;

/** The entry with the wiring after its last import/require and the example before listen. */
export function wireEntry(source: string, facts: AppFacts): string {
  if (
    source.includes(MARKER) ||
    /from\s+['"]vestibule['"]|import\(['"]vestibule['"]\)/.test(source)
  )
    return source;
  const wrapped = facts.framework === 'node' ? wrapNodeHandler(source) : undefined;
  const lines = (wrapped ?? source).split('\n');
  const lastHeader = lines.reduce(
    (last, line, i) => ((facts.esm ? IMPORT_LINE : REQUIRE_LINE).test(line) ? i : last),
    -1,
  );
  const wiring = facts.esm
    ? [...esmWiring(facts.framework).imports, ...esmWiring(facts.framework).auth]
    : cjsWiring(facts.framework);
  const blankAfter = lines[lastHeader + 1]?.trim() === '';
  lines.splice(
    lastHeader + 1,
    0,
    ...(lastHeader >= 0 ? [''] : []),
    ...wiring,
    ...(blankAfter ? [] : ['']),
  );
  if (wrapped) {
    const at = lines.findIndex((line) => line.includes('withAuthExample('));
    lines.splice(at, 0, ...nodeExample(facts.esm), '');
    return lines.join('\n');
  }
  const app = APP_VARIABLE[facts.framework]?.exec(source)?.[1];
  const example = app ? exampleHandler(facts.framework, app, facts.esm) : undefined;
  const listen = app
    ? lines.findIndex((line) => new RegExp(`\\b${app}\\.listen\\(|\\bserve\\(`).test(line))
    : -1;
  if (example && listen >= 0)
    lines.splice(listen, 0, `// getUser(): the signed-in user, or null (${MARKER}).`, example, '');
  return lines.join('\n');
}
