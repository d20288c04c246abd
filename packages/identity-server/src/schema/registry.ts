// Identity schemas by id, compiled once at startup (IdentitySchemaRegistry in driver/context.ts).
import type { KratosConfig } from '../config/types.ts';
import type { IdentitySchema, IdentitySchemaRegistry, UINode } from '../driver/context.ts';
import { addresses, passwordIdentifiers } from './extension.ts';
import { traitNode } from './nodes.ts';
import { listTraitPaths } from './paths.ts';
import { loadSchemaSource, SchemaLoadError } from './source.ts';
import { compileIdentitySchema, validateTraitsWith } from './validator.ts';

export function createIdentitySchema(id: string, raw: Record<string, unknown>): IdentitySchema {
  let validate: ReturnType<typeof compileIdentitySchema>;
  try {
    validate = compileIdentitySchema(raw);
  } catch (err) {
    throw new SchemaLoadError(id, `not a valid JSON Schema: ${(err as Error).message}`);
  }
  const paths = listTraitPaths(raw);
  if (paths.length === 0)
    throw new SchemaLoadError(id, 'defines no traits (properties.traits.properties)');
  return {
    id,
    raw,
    traitNodes: ({ group, values }): UINode[] => paths.map((p) => traitNode(p, group, values)),
    validateTraits: (traits) => validateTraitsWith(validate, traits),
    passwordIdentifiers: (traits) => passwordIdentifiers(raw, paths, traits),
    verificationAddresses: (traits) => addresses(raw, paths, traits, 'verification'),
    recoveryAddresses: (traits) => addresses(raw, paths, traits, 'recovery'),
  };
}

export function createSchemaRegistry(
  defaultId: string,
  schemas: IdentitySchema[],
): IdentitySchemaRegistry {
  const byId = new Map(schemas.map((s) => [s.id, s]));
  if (!byId.has(defaultId))
    throw new SchemaLoadError(defaultId, 'the default schema is not loaded');
  return { defaultId, get: (id) => byId.get(id), list: () => [...byId.values()] };
}

/** Loads and compiles every schema in config.identity.schemas; fails naming the schema. */
export async function loadSchemaRegistry(
  config: KratosConfig,
  options: { fetch?: typeof fetch } = {},
): Promise<IdentitySchemaRegistry> {
  const schemas = await Promise.all(
    config.identity.schemas.map(async ({ id, url }) =>
      createIdentitySchema(id, await loadSchemaSource(id, url, options.fetch)),
    ),
  );
  return createSchemaRegistry(config.identity.default_schema_id, schemas);
}
