// Validates `{ traits }` against an identity schema with Ajv (draft-07 like Kratos) and maps every
// Ajv error to the UI message Kratos would show, on the node Kratos would put it on
// (ui/container/container.go ParseError + translateValidationError).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TraitError, UIText } from '../driver/context.ts';
import { validationText as t } from '../text/index.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Limits on what a client may send as traits; above them the payload is refused before validation. */
export const TRAIT_LIMITS = {
  maxBytes: 64 * 1024,
  maxDepth: 16,
  maxStringLength: 16 * 1024,
} as const;

// Kratos checks "tel" with libphonenumber (E.164 after normalisation); this accepts the same shape.
const TEL = /^\+[1-9][0-9]{6,14}$/;

export function compileIdentitySchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: false,
    logger: false,
    validateSchema: true,
  });
  addFormats(ajv);
  // Kratos's validator (santhosh-tekuri/jsonschema isEmail) also holds an address to RFC 5321's
  // sizes — at most 254 characters, a local part of at most 64 — so an over-long address gets
  // both the format message and the length one (shared/ory/kratos/transcripts/registration-api.json#14).
  const emailShape = ajv.formats.email as RegExp;
  ajv.addFormat('email', {
    type: 'string',
    validate: (v: string) => v.length <= 254 && v.lastIndexOf('@') <= 64 && emailShape.test(v),
  });
  ajv.addFormat('tel', {
    type: 'string',
    validate: (v: string) => TEL.test(v.replace(/[\s().-]/g, '')),
  });
  // `ory.sh/kratos` (not a valid Ajv keyword name) and `disableFormField` are annotations that drive
  // identifiers, addresses and rendering, not validation: strict:false lets Ajv ignore them.
  return ajv.compile(schema);
}

export function validateTraitsWith(validate: ValidateFunction, traits: unknown): TraitError[] {
  const refused = refuseOdd(traits);
  if (refused) return [refused];
  if (validate({ traits })) return [];
  // Kratos's validator checks `format` before the string's length: its message comes first.
  const errors = formatFirst((validate.errors ?? []).filter((e) => !AGGREGATE.has(e.keyword)));
  return errors.length ? errors.map(toTraitError) : (validate.errors ?? []).map(toTraitError);
}

/** The errors in Ajv's order, except that a field's `format` error moves ahead of its others. */
function formatFirst(errors: ErrorObject[]): ErrorObject[] {
  const firstAt = new Map<string, number>();
  errors.forEach((e, i) => firstAt.set(e.instancePath, firstAt.get(e.instancePath) ?? i));
  const rank = (e: ErrorObject, i: number) =>
    [firstAt.get(e.instancePath)!, e.keyword === 'format' ? 0 : 1, i] as const;
  return errors
    .map((e, i) => ({ e, key: rank(e, i) }))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2])
    .map(({ e }) => e);
}

/** Combinator errors only summarise their branches' errors, which are reported themselves. */
const AGGREGATE = new Set(['if', 'anyOf', 'oneOf', 'allOf']);

function refuseOdd(traits: unknown): TraitError | undefined {
  if (typeof traits !== 'object' || traits === null || Array.isArray(traits)) {
    return { name: 'traits', message: t.wrongType(['object'], jsonType(traits)) };
  }
  let size = 0;
  let problem: string | undefined;
  const visit = (value: unknown, depth: number): void => {
    if (problem) return;
    if (depth > TRAIT_LIMITS.maxDepth)
      problem = `traits are nested deeper than ${TRAIT_LIMITS.maxDepth} levels`;
    else if (typeof value === 'string') {
      size += value.length + 2;
      if (value.length > TRAIT_LIMITS.maxStringLength) problem = 'a trait value is too long';
      // PostgreSQL text cannot hold NUL and no identifier legitimately contains one.
      else if (value.includes('\u0000')) problem = 'trait values must not contain NUL characters';
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        size += key.length + 4;
        if (key.includes('\u0000')) problem = 'trait names must not contain NUL characters';
        visit(child, depth + 1);
      }
    } else size += 8;
    if (!problem && size > TRAIT_LIMITS.maxBytes)
      problem = `traits are larger than ${TRAIT_LIMITS.maxBytes} bytes`;
  };
  visit(traits, 0);
  return problem ? { name: 'traits', message: t.generic(problem) } : undefined;
}

/** "/traits/name/first" → "traits.name.first" (Kratos: jsonschemax.JSONPointerToDotNotation). */
export function pointerToName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function toTraitError(e: ErrorObject): TraitError {
  const name = pointerToName(e.instancePath);
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { name: name ? `${name}.${missing}` : missing, message: t.required(missing) };
  }
  return { name, message: translate(e) };
}

function translate(e: ErrorObject): UIText {
  const p = e.params as Record<string, unknown>;
  const limit = Number(p.limit);
  const data = e.data;
  switch (e.keyword) {
    case 'minLength':
      return t.minLength(limit, codePoints(data));
    case 'maxLength':
      return t.maxLength(limit, codePoints(data));
    case 'pattern':
      return t.invalidPattern(String(p.pattern));
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      return t[e.keyword](limit, Number(data));
    case 'multipleOf':
      return t.multipleOf(Number(p.multipleOf), Number(data));
    case 'maxItems':
      return t.maxItems(limit, Array.isArray(data) ? data.length : 0);
    case 'minItems':
      return t.minItems(limit, Array.isArray(data) ? data.length : 0);
    case 'uniqueItems':
      return t.uniqueItems(Math.min(Number(p.i), Number(p.j)), Math.max(Number(p.i), Number(p.j)));
    case 'type':
      return t.wrongType(String(p.type).split(','), jsonType(data));
    case 'const':
      return t.constant(p.allowedValue);
    case 'enum':
      return t.generic(
        `value must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    case 'format':
      return formatError(String(p.format), data);
    case 'additionalProperties':
      return t.generic(`additionalProperties ${JSON.stringify(p.additionalProperty)} not allowed`);
    default:
      return t.generic(e.message ?? 'validation failed');
  }
}

function formatError(format: string, data: unknown): UIText {
  const value = typeof data === 'string' ? data : JSON.stringify(data);
  if (format === 'email') return t.email(value);
  if (format === 'tel') return t.phone(value);
  return t.generic(`${JSON.stringify(value)} is not valid ${JSON.stringify(format)}`);
}

/** Kratos counts characters (utf8.RuneCountInString), not UTF-16 units. */
const codePoints = (v: unknown): number => (typeof v === 'string' ? [...v].length : 0);

/** JSON type names as Kratos's validator reports them ("integer" for whole numbers). */
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'undefined') return 'null';
  return typeof v;
}
