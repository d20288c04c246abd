// Trait inputs exactly as Kratos renders them (ui/node/attributes_input.go NewInputFieldFromSchema):
// attribute order name, type, value, required, autocomplete, pattern, disabled, node_type, options;
// type from `format` (email, tel, date, date-time, uri) else from the JSON type; label 1070002 = title.
import type { UINode } from '../driver/context.ts';
import { valueAt, type TraitPath } from './paths.ts';
import { nodeText } from '../text/index.ts';

const FORMAT_TYPES: Record<string, { type: string; autocomplete?: string }> = {
  'date-time': { type: 'datetime-local' },
  email: { type: 'email', autocomplete: 'email' },
  tel: { type: 'tel', autocomplete: 'tel' },
  date: { type: 'date' },
  uri: { type: 'url', autocomplete: 'url' },
  regex: { type: 'text' },
};

function inputType(path: TraitPath): { type: string; autocomplete?: string } {
  const format =
    typeof path.schema.format === 'string' ? FORMAT_TYPES[path.schema.format] : undefined;
  if (format) return format;
  if (path.segments.at(-1) === 'password') return { type: 'password' };
  if (path.type === 'number' || path.type === 'integer') return { type: 'number' };
  if (path.type === 'boolean') return { type: 'checkbox' };
  return { type: 'text' };
}

export function traitNode(
  path: TraitPath,
  group: string,
  traits?: Record<string, unknown>,
): UINode {
  const { type, autocomplete } = inputType(path);
  const attributes: Record<string, unknown> = { name: path.name, type };
  const value = traits ? valueAt(traits, path.segments) : undefined;
  if (value !== undefined && value !== null) attributes.value = value;
  if (path.required) attributes.required = true;
  if (autocomplete) attributes.autocomplete = autocomplete;
  if (typeof path.schema.pattern === 'string') attributes.pattern = path.schema.pattern;
  // Kratos's `disableFormField` schema property renders the input disabled.
  attributes.disabled = path.schema.disableFormField === true;
  attributes.node_type = 'input';
  if (Array.isArray(path.schema.enum)) {
    attributes.options = path.schema.enum.map((value) => ({ value }));
  }
  const title =
    typeof path.schema.title === 'string' && path.schema.title !== ''
      ? path.schema.title
      : undefined;
  return {
    type: 'input',
    group,
    attributes,
    messages: [],
    meta: title ? { label: nodeText.generatedLabel(title, path.name) } : {},
  };
}
