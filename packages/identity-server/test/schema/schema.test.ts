import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { UINode } from '../../src/driver/context.ts';
import { defaultConfig } from '../../src/config/index.ts';
import {
  createIdentitySchema,
  loadSchemaRegistry,
  loadSchemaSource,
  SchemaLoadError,
} from '../../src/schema/index.ts';
import { readSharedJSON } from '../../../../test/support/shared.ts';

interface RecordedFlow {
  ui: { nodes: UINode[] };
  identity?: { traits: Record<string, unknown> };
}

// The schema behind Ory Elements' recorded flows (email identifier, tos, phone, nested.name).
const elementsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          type: 'string',
          format: 'email',
          title: 'E-Mail',
          'ory.sh/kratos': {
            credentials: { password: { identifier: true } },
            verification: { via: 'email' },
          },
        },
        tos: { type: 'boolean', title: 'Accept the terms of service' },
        phone: { type: 'string', title: 'Phone Number' },
        nested: { type: 'object', properties: { name: { type: 'string', title: 'Name' } } },
      },
      required: ['email'],
    },
  },
};
const enumSchema = {
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email', title: 'E-Mail' },
        country: { type: 'string', title: 'Country', enum: ['US', 'UK', 'DE', 'AT'] },
        language: { type: 'string', title: 'Language', enum: ['en', 'es', 'de', 'de-at'] },
      },
      required: ['email', 'country'],
    },
  },
};

const traitNodesOf = (flow: RecordedFlow) =>
  flow.ui.nodes.filter((n) => String(n.attributes.name).startsWith('traits.'));

test('trait nodes match the recorded Kratos registration form byte for byte', () => {
  const flow = readSharedJSON<RecordedFlow>(
    'elements/flows/registration/one-step/password/initial-form.json',
  );
  if (!flow) return;
  const nodes = createIdentitySchema('elements', elementsSchema).traitNodes({ group: 'default' });
  assert.equal(JSON.stringify(nodes), JSON.stringify(traitNodesOf(flow)));
});

test('trait nodes with values match the recorded settings form (group profile)', () => {
  const flow = readSharedJSON<RecordedFlow>(
    'elements/flows/settings/all-2fa-methods/all-added.json',
  );
  if (!flow) return;
  const schema = createIdentitySchema('elements', elementsSchema);
  const nodes = schema.traitNodes({ group: 'profile', values: flow.identity!.traits });
  assert.equal(JSON.stringify(nodes), JSON.stringify(traitNodesOf(flow)));
});

test('enum traits render options like the recorded enum flows', () => {
  const registration = readSharedJSON<RecordedFlow>(
    'elements/flows/registration/two-step/enum/initial-form.json',
  );
  const settings = readSharedJSON<RecordedFlow>('elements/flows/settings/enum/initial-form.json');
  if (!registration || !settings) return;
  const schema = createIdentitySchema('enum', enumSchema);
  const strip = (nodes: UINode[]) => nodes.filter((n) => n.attributes.name !== 'traits.email');
  assert.equal(
    JSON.stringify(strip(schema.traitNodes({ group: 'default' }))),
    JSON.stringify(strip(traitNodesOf(registration))),
  );
  assert.equal(
    JSON.stringify(
      strip(schema.traitNodes({ group: 'profile', values: settings.identity!.traits })),
    ),
    JSON.stringify(strip(traitNodesOf(settings))),
  );
});

test('validation messages match the recorded missing-field and invalid-email flows', () => {
  const missing = readSharedJSON<RecordedFlow>(
    'elements/flows/registration/one-step/all-methods/missing-fields.json',
  );
  const invalid = readSharedJSON<RecordedFlow>(
    'elements/flows/settings/all-methods/change-trait.json',
  );
  if (!missing || !invalid) return;
  const schema = createIdentitySchema('elements', elementsSchema);
  const recorded = (flow: RecordedFlow) =>
    traitNodesOf(flow).flatMap((n) =>
      n.messages.map((message) => ({ name: n.attributes.name, message })),
    );
  assert.deepEqual(schema.validateTraits({}), recorded(missing));
  assert.deepEqual(schema.validateTraits({ email: 'no-an-email' }), recorded(invalid));
});

test('formats and JSON types choose the input type; password-named traits are password inputs', () => {
  const schema = createIdentitySchema('types', {
    properties: {
      traits: {
        type: 'object',
        properties: {
          phone: { type: 'string', format: 'tel', title: 'Phone' },
          born: { type: 'string', format: 'date' },
          site: { type: 'string', format: 'uri' },
          age: { type: 'integer', minimum: 0 },
          code: { type: 'string', pattern: '^[A-Z]{3}$' },
          tags: { type: 'array', items: { type: 'string' } },
          blob: { type: 'object' },
          refd: { $ref: '#/definitions/nick' },
          locked: { type: 'string', disableFormField: true },
        },
      },
    },
    definitions: { nick: { type: 'string', title: 'Nickname' } },
  });
  const nodes = schema.traitNodes({ group: 'default' });
  const summary = nodes.map((n) => [
    n.attributes.name,
    n.attributes.type,
    n.attributes.autocomplete,
  ]);
  assert.deepEqual(summary, [
    ['traits.phone', 'tel', 'tel'],
    ['traits.born', 'date', undefined],
    ['traits.site', 'url', 'url'],
    ['traits.age', 'number', undefined],
    ['traits.code', 'text', undefined],
    ['traits.tags', 'text', undefined],
    ['traits.refd', 'text', undefined],
    ['traits.locked', 'text', undefined],
  ]);
  assert.equal(nodes[4]!.attributes.pattern, '^[A-Z]{3}$');
  assert.equal(nodes[6]!.meta.label?.text, 'Nickname');
  assert.equal(nodes[7]!.attributes.disabled, true);
  assert.deepEqual(nodes[0]!.meta.label?.context, { name: 'traits.phone', title: 'Phone' });
  assert.deepEqual(nodes[1]!.meta, {});
});

test('validateTraits maps Ajv errors to Kratos message ids, texts and context', async () => {
  const registry = await loadSchemaRegistry(defaultConfig());
  const schema = registry.get('default')!;
  const ids = (traits: unknown) => schema.validateTraits(traits).map((e) => [e.name, e.message.id]);
  assert.deepEqual(ids({ email: 'ada@example.com', name: { first: 'Ada' } }), []);
  assert.deepEqual(ids({}), [['traits.email', 4000002]]);
  // Kratos's validator checks `format` before the length (registration-api.json#14 records
  // 4000040 ahead of 4000017).
  assert.deepEqual(ids({ email: 'ab' }), [
    ['traits.email', 4000040],
    ['traits.email', 4000003],
  ]);
  assert.deepEqual(ids({ email: 42 }), [['traits.email', 4000026]]);
  assert.deepEqual(ids({ email: 'a@b.co', name: { first: 'x'.repeat(257) } }), [
    ['traits.name.first', 4000017],
  ]);
  assert.deepEqual(ids({ email: 'a@b.co', nope: 1 }), [['traits', 4000001]]);
  const [tooLong] = schema.validateTraits({ email: 'a@b.co', name: { last: '€'.repeat(257) } });
  assert.deepEqual(tooLong!.message, {
    id: 4000017,
    text: 'length must be <= 256, but got 257',
    type: 'error',
    context: { max_length: 256, actual_length: 257 },
  });
  const numeric = createIdentitySchema('n', {
    properties: {
      traits: {
        type: 'object',
        properties: {
          age: { type: 'number', minimum: 18, maximum: 130 },
          step: { type: 'number', multipleOf: 5 },
          code: { type: 'string', pattern: '^[a-z]+$' },
          kind: { const: 'person' },
          tags: {
            type: 'array',
            minItems: 1,
            maxItems: 2,
            uniqueItems: true,
            items: { type: 'string' },
          },
        },
      },
    },
  });
  const messages = (traits: unknown) => numeric.validateTraits(traits).map((e) => e.message.text);
  assert.deepEqual(messages({ age: 12 }), ['must be >= 18 but found 12']);
  assert.deepEqual(messages({ age: 131.5 }), ['must be <= 130 but found 131.5']);
  assert.deepEqual(messages({ step: 7 }), ['7 not multipleOf 5']);
  assert.deepEqual(messages({ code: 'A1' }), ['does not match pattern "^[a-z]+$"']);
  assert.deepEqual(messages({ kind: 'robot' }), ['must be equal to constant "person"']);
  assert.deepEqual(messages({ tags: [] }), ['minimum 1 items allowed, but found 0 items']);
  assert.deepEqual(messages({ tags: ['a', 'b', 'c'] }), [
    'maximum 2 items allowed, but found 3 items',
  ]);
  assert.deepEqual(messages({ tags: ['a', 'a'] }), ['items at index 0 and 1 are equal']);
});

test('huge, deep, NUL-bearing or non-object traits get a clean validation error', async () => {
  const schema = (await loadSchemaRegistry(defaultConfig())).get('default')!;
  let deep: Record<string, unknown> = { email: 'a@b.co' };
  for (let i = 0; i < 100; i++) deep = { nested: deep };
  const cases: unknown[] = [
    null,
    'ada@example.com',
    [1, 2],
    { email: 'a@b.co', name: { first: 'x'.repeat(100_000) } },
    deep,
    { email: 'a\u0000@b.co' },
    Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v'.repeat(20)])),
  ];
  for (const traits of cases) {
    const errors = schema.validateTraits(traits);
    assert.equal(errors.length, 1, JSON.stringify(traits)?.slice(0, 60));
    assert.equal(errors[0]!.name, 'traits');
    assert.ok([4000001, 4000026].includes(errors[0]!.message.id));
  }
});

test('property: validateTraits never throws and always returns well-formed messages', async () => {
  const schema = (await loadSchemaRegistry(defaultConfig())).get('default')!;
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (traits) => {
      for (const e of schema.validateTraits(traits)) {
        assert.equal(typeof e.name, 'string');
        assert.ok(e.message.id >= 4000001 && e.message.id <= 4000041);
        assert.equal(e.message.type, 'error');
      }
    }),
    { numRuns: 300 },
  );
});

test('identifiers and addresses follow the ory.sh/kratos extension, lower-cased like Kratos', async () => {
  const schema = (await loadSchemaRegistry(defaultConfig())).get('default')!;
  const traits = { email: 'Ada@Example.COM', name: { first: 'Ada' } };
  assert.deepEqual(schema.passwordIdentifiers(traits), ['ada@example.com']);
  assert.deepEqual(schema.verificationAddresses(traits), [
    { value: 'ada@example.com', via: 'email' },
  ]);
  assert.deepEqual(schema.recoveryAddresses(traits), [{ value: 'ada@example.com', via: 'email' }]);
  assert.deepEqual(schema.passwordIdentifiers({}), []);
  const multi = createIdentitySchema('multi', {
    properties: {
      traits: {
        type: 'object',
        properties: {
          username: {
            type: 'string',
            'ory.sh/kratos': { credentials: { password: { identifier: true } } },
          },
          emails: {
            type: 'array',
            items: {
              type: 'string',
              format: 'email',
              'ory.sh/kratos': {
                credentials: { password: { identifier: true } },
                recovery: { via: 'email' },
              },
            },
          },
        },
      },
    },
  });
  const t = { username: 'Grace', emails: ['g@x.io', 'G@X.io', 'h@x.io'] };
  assert.deepEqual(multi.passwordIdentifiers(t), ['grace', 'g@x.io', 'h@x.io']);
  assert.deepEqual(
    multi.recoveryAddresses(t).map((a) => a.value),
    ['g@x.io', 'h@x.io'],
  );
  assert.deepEqual(multi.verificationAddresses(t), []);
});

test('schema sources: base64://, file:// and http(s) with an injected fetch; bad schemas name the id', async () => {
  const encoded = Buffer.from(JSON.stringify(elementsSchema)).toString('base64');
  assert.deepEqual(await loadSchemaSource('b', `base64://${encoded}`), elementsSchema);
  const fakeFetch = (async () => new Response(JSON.stringify(enumSchema))) as typeof fetch;
  assert.deepEqual(
    await loadSchemaSource('h', 'https://schemas.example/enum.json', fakeFetch),
    enumSchema,
  );
  const notFound = (async () => new Response('nope', { status: 404 })) as typeof fetch;
  await assert.rejects(
    loadSchemaSource('h', 'https://schemas.example/x.json', notFound),
    /"h": fetching .* returned 404/,
  );
  await assert.rejects(
    loadSchemaSource('f', 'file:///nonexistent/schema.json'),
    /"f": cannot read .*ENOENT/,
  );
  await assert.rejects(
    loadSchemaSource('j', 'base64://bm90IGpzb24='),
    /"j": the base64 schema is not valid JSON/,
  );
  assert.throws(
    () => createIdentitySchema('bad', { type: 'nonsense', properties: { traits: {} } }),
    SchemaLoadError,
  );
  assert.throws(
    () => createIdentitySchema('empty', { type: 'object' }),
    /"empty": defines no traits/,
  );
  const config = defaultConfig({
    identity: { schemas: [{ id: 'default', url: 'base64://e30=' }] },
  });
  await assert.rejects(loadSchemaRegistry(config), /identity schema "default"/);
});

test("Kratos's quickstart identity schema loads and renders email + name", async () => {
  const raw = readSharedJSON<Record<string, unknown>>('kratos/quickstart.identity.schema.json');
  if (!raw) return;
  const schema = createIdentitySchema('quickstart', raw);
  assert.deepEqual(
    schema.traitNodes({ group: 'default' }).map((n) => n.attributes.name),
    ['traits.email', 'traits.name.first', 'traits.name.last'],
  );
});
