// The trait paths of an identity schema in schema order, as Kratos lists them (ory/x jsonschemax
// ListPaths, then sorted by schema order): every scalar or scalar-array leaf under
// properties.traits, with its resolved sub-schema and whether its parent marks it required.
// Objects without properties and arrays of objects are JSON blobs Kratos does not render.

export type JSONSchemaNode = Record<string, unknown>;

export interface TraitPath {
  /** "traits.name.first" */
  name: string;
  /** ["name", "first"], the location inside `traits`. */
  segments: string[];
  schema: JSONSchemaNode;
  required: boolean;
  /** "string" | "number" | "integer" | "boolean" | "array" */
  type: string;
}

const isObject = (v: unknown): v is JSONSchemaNode =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Follows local "#/…" $refs (definitions, $defs); remote refs are left to the validator. */
export function resolveRef(root: JSONSchemaNode, node: JSONSchemaNode, depth = 0): JSONSchemaNode {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#') || depth > 16) return node;
  let target: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    target = isObject(target) ? target[key] : undefined;
  }
  return isObject(target)
    ? resolveRef(root, { ...node, ...target, $ref: undefined }, depth + 1)
    : node;
}

export function typeOf(schema: JSONSchemaNode): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  if (isObject(schema.properties)) return 'object';
  return undefined;
}

export function listTraitPaths(root: JSONSchemaNode): TraitPath[] {
  const props = isObject(root.properties) ? root.properties : {};
  const traits = isObject(props.traits) ? resolveRef(root, props.traits) : undefined;
  const out: TraitPath[] = [];
  if (traits) walk(root, traits, [], out, 0);
  return out;
}

function walk(
  root: JSONSchemaNode,
  node: JSONSchemaNode,
  segments: string[],
  out: TraitPath[],
  depth: number,
): void {
  if (depth > 16 || !isObject(node.properties)) return;
  const required = Array.isArray(node.required) ? (node.required as unknown[]) : [];
  for (const [key, raw] of Object.entries(node.properties)) {
    if (!isObject(raw)) continue;
    const schema = resolveRef(root, raw);
    const path = [...segments, key];
    const type = typeOf(schema);
    if (type === 'object') {
      walk(root, schema, path, out, depth + 1);
      continue;
    }
    if (type === 'array' && !isScalarArray(root, schema)) continue;
    out.push({
      name: ['traits', ...path].join('.'),
      segments: path,
      schema,
      required: required.includes(key),
      type: type ?? 'string',
    });
  }
}

function isScalarArray(root: JSONSchemaNode, schema: JSONSchemaNode): boolean {
  const items = isObject(schema.items) ? resolveRef(root, schema.items) : undefined;
  const t = items ? typeOf(items) : undefined;
  return t === 'string' || t === 'number' || t === 'integer' || t === 'boolean';
}

export function valueAt(traits: unknown, segments: string[]): unknown {
  let node = traits;
  for (const segment of segments) {
    if (!isObject(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}
