// Issue 14: docs/behind-oathkeeper.md carries a working Oathkeeper config and access rules for the
// runbook's topology (cookie_session → id_token mutator). This test reads the YAML blocks out of the
// page itself and holds them to Oathkeeper's own schemas (../shared/ory/oathkeeper: the config
// schema, and the `rule` shape of its OpenAPI spec) with a real JSON-Schema validator, then checks
// what a schema cannot: every handler a rule uses is enabled and its merged config is valid, each of
// the demo app's routes matches exactly one rule, and the claims the mutator is configured to mint
// are accepted by an app configured as the page shows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYAML } from 'yaml';
import { sharedOryPath } from '../../../../test/support/shared.ts';
import {
  kratosSessionClaim,
  startOathkeeperJWKS,
  type OathkeeperJWKS,
} from '../../../../test/support/oathkeeper-jwks.ts';
import { importOathkeeperRules } from '../../src/oathkeeper/import.ts';
import { compileRules } from '../../src/access/rules.ts';
import { createVestibule } from '../../src/app/vestibule.ts';

const page = readFileSync(new URL('../../docs/behind-oathkeeper.md', import.meta.url), 'utf8');
const configSchemaPath = sharedOryPath('oathkeeper/config.schema.json');
const openAPIPath = sharedOryPath('oathkeeper/openapi.v26.2.0.json');
const skip =
  configSchemaPath && openAPIPath ? false : 'no ../shared/ory/oathkeeper (see the notice)';

/** The ```yaml block whose first line is `# <name>`. */
function yamlBlock(name: string): unknown {
  const blocks = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.startsWith(`# ${name}\n`));
  assert.ok(block, `docs/behind-oathkeeper.md has a yaml block starting "# ${name}"`);
  return parseYAML(block);
}

type Handler = { handler: string; config?: Record<string, unknown> };
interface Rule {
  id: string;
  match: { url: string; methods: string[] };
  authenticators: Handler[];
  authorizer: Handler;
  mutators: Handler[];
  upstream?: Record<string, unknown>;
}
type OathkeeperConfig = Record<string, Record<string, { enabled?: boolean; config?: object }>>;

const config = yamlBlock('oathkeeper.yml') as OathkeeperConfig & {
  mutators: { id_token: { config: { issuer_url: string; claims: string } } };
};
const rules = yamlBlock('access-rules.yml') as Rule[];

// The config schema points at two schemas outside the shared folder, for the `log` and `tracing`
// sections. Those sections are not used here (checked below), so the references resolve to a schema
// that accepts nothing: a config that did use them would fail instead of passing unchecked.
const EXTERNAL_REFS = [
  'https://raw.githubusercontent.com/ory/oathkeeper/77eee56/oryx/logrusx/config.schema.json',
  'https://raw.githubusercontent.com/ory/oathkeeper/77eee56/oryx/otelx/config.schema.json',
];

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const ref of EXTERNAL_REFS) ajv.addSchema({ not: {} }, ref);
  // ajv-formats is CommonJS: its default export arrives wrapped under ESM interop.
  const addFormats = ((addFormatsModule as { default?: unknown }).default ?? addFormatsModule) as (
    a: Ajv,
  ) => Ajv;
  addFormats(ajv);
  return ajv;
}

function assertValid(validate: ValidateFunction, value: unknown, what: string): void {
  assert.ok(validate(value), `${what}: ${JSON.stringify(validate.errors, null, 1)}`);
}

test('oathkeeper.yml validates against Oathkeeper config.schema.json', { skip }, () => {
  const ajv = newAjv();
  const validate = ajv.compile(JSON.parse(readFileSync(configSchemaPath!, 'utf8')) as object);
  assert.ok(!('log' in config) && !('tracing' in config), 'sections whose schema is not shared');
  assertValid(validate, config, 'oathkeeper.yml');
  // The schema can fail: a misspelt key is refused (additionalProperties: false).
  assert.equal(validate({ ...config, mutator: {} }), false);
});

test(
  'access-rules.yml: every rule has the shape of Oathkeeper’s rule, no unknown keys',
  { skip },
  () => {
    const ajv = newAjv();
    const spec = JSON.parse(readFileSync(openAPIPath!, 'utf8')) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    ajv.addSchema(spec, 'oathkeeper-openapi');
    const validate = ajv.compile({ $ref: 'oathkeeper-openapi#/components/schemas/rule' });
    const known = (name: string) => Object.keys(spec.components.schemas[name]!.properties);
    assert.ok(Array.isArray(rules) && rules.length > 0);
    for (const rule of rules) {
      assertValid(validate, rule, rule.id);
      // The published shape allows extra keys; Oathkeeper's decoder does not (DisallowUnknownFields).
      assert.deepEqual(
        Object.keys(rule).filter((k) => !known('rule').includes(k)),
        [],
        rule.id,
      );
      assert.deepEqual(
        Object.keys(rule.match).filter((k) => !known('ruleMatch').includes(k)),
        [],
      );
      assert.deepEqual(
        Object.keys(rule.upstream ?? {}).filter((k) => !known('Upstream').includes(k)),
        [],
      );
      for (const h of [...rule.authenticators, rule.authorizer, ...rule.mutators]) {
        assert.deepEqual(
          Object.keys(h).filter((k) => !known('ruleHandler').includes(k)),
          [],
        );
      }
    }
    assert.equal(validate({ id: 'x', match: { url: 42 } }), false, 'the rule schema can fail');
  },
);

test('every handler a rule uses is enabled, and its merged config validates', { skip }, () => {
  const ajv = newAjv();
  const schema = JSON.parse(readFileSync(configSchemaPath!, 'utf8')) as {
    properties: Record<
      string,
      {
        properties: Record<
          string,
          { oneOf?: Array<{ properties: { config?: { $ref: string } } }> }
        >;
      }
    >;
  };
  ajv.addSchema(schema, 'oathkeeper-config');
  const kinds: Array<[keyof Rule, string]> = [
    ['authenticators', 'authenticators'],
    ['authorizer', 'authorizers'],
    ['mutators', 'mutators'],
  ];
  for (const rule of rules) {
    for (const [field, section] of kinds) {
      const handlers = ([] as Handler[]).concat(rule[field] as Handler | Handler[]);
      for (const { handler, config: ruleConfig } of handlers) {
        const global = config[section]?.[handler];
        assert.equal(global?.enabled, true, `${rule.id}: ${section}.${handler} is enabled`);
        const ref =
          schema.properties[section]!.properties[handler]!.oneOf?.[0]?.properties.config?.$ref;
        if (!ref) continue; // a handler without config (allow, deny, noop)
        const validate = ajv.compile({ $ref: `oathkeeper-config${ref}` });
        // Oathkeeper merges a rule's handler config over the global one, then validates.
        assertValid(
          validate,
          { ...global.config, ...ruleConfig },
          `${rule.id}: ${section}.${handler}`,
        );
      }
    }
  }
});

test("each of the demo app's routes matches exactly one rule (Oathkeeper refuses overlaps)", () => {
  // The edge's importer translates match.url exactly as Oathkeeper matches it; the id_token mutator
  // is not importable there (the edge signs its own headers), so it is swapped for noop here.
  const { rules: imported } = importOathkeeperRules(
    rules.map((r) => ({ ...r, mutators: [{ handler: 'noop' }] })),
    { publicURL: 'http://127.0.0.1:4455' },
  );
  const compiled = compileRules(imported).rules;
  const routes: Array<[string, string, string]> = [
    ['GET', '/', 'notes:optional'],
    ['GET', '/api/whoami', 'notes:optional'],
    ['GET', '/account', 'notes:protected'],
    ['GET', '/admin', 'notes:protected'],
    ['POST', '/notes', 'notes:protected'],
    ['POST', '/notes/5f0c/delete', 'notes:protected'],
    ['GET', '/api/notes', 'notes:protected'],
    ['PUT', '/api/notes/5f0c', 'notes:protected'],
    ['DELETE', '/api/notes/5f0c', 'notes:protected'],
    ['POST', '/.ory/kratos/public/self-service/login', 'kratos:public'],
  ];
  for (const [method, path, id] of routes) {
    const matching = compiled.filter(
      (r) => (!r.methods || r.methods.has(method)) && r.pattern.test(path),
    );
    assert.deepEqual(
      matching.map((r) => r.id),
      [id],
      `${method} ${path}`,
    );
  }
  const unmatched = compiled.filter((r) => r.pattern.test('/internal/metrics'));
  assert.deepEqual(unmatched, [], 'anything else matches no rule (Oathkeeper: 404)');
});

let jwks: OathkeeperJWKS;
before(async () => {
  jwks = await startOathkeeperJWKS();
});
after(() => jwks?.close());

test('a token with the configured claims is accepted by the app configured as the page shows', async () => {
  const issuer = config.mutators.id_token.config.issuer_url;
  const app = /issuer: '([^']+)',\s*audience: '([^']+)'/.exec(page);
  assert.ok(app, 'the page configures issuer and audience');
  assert.equal(app[1], issuer, 'the app expects the issuer Oathkeeper writes');
  assert.match(page, new RegExp(`VESTIBULE_OATHKEEPER_ISSUER=${issuer}`));
  assert.match(page, new RegExp(`VESTIBULE_OATHKEEPER_AUDIENCE=${app[2]}`));
  // The claims template, rendered as Oathkeeper would for a Kratos session in .Extra.
  const id = '8d0f5b8e-4c3a-4d5b-9c1e-2f3a4b5c6d7e';
  const session = kratosSessionClaim({ id, email: 'doc@example.com', role: 'admin' });
  const claims = JSON.parse(
    config.mutators.id_token.config.claims.replace(
      '{{ .Extra | toJson }}',
      JSON.stringify(session),
    ),
  ) as Record<string, unknown>;
  const token = await jwks.mint({ sub: id, iss: issuer, claims });
  const vestibule = createVestibule({
    mode: 'oathkeeper',
    oathkeeper: { jwksURL: jwks.url, issuer: app[1], audience: app[2] },
  });
  const user = await vestibule.getUser(
    new Request('http://app/account', { headers: { authorization: `Bearer ${token}` } }),
  );
  assert.deepEqual(
    { id: user?.id, email: user?.email, role: user?.role },
    {
      id,
      email: 'doc@example.com',
      role: 'admin',
    },
  );
});
