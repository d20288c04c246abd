export { createIdentitySchema, createSchemaRegistry, loadSchemaRegistry } from './registry.ts';
export { SchemaLoadError, loadSchemaSource } from './source.ts';
export { listTraitPaths, type TraitPath } from './paths.ts';
export { TRAIT_LIMITS, pointerToName } from './validator.ts';
export { registerSchemaRoutes } from './routes.ts';
