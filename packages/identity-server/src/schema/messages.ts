// Kratos's validation messages (text/message_validation.go; ids in text/id.go, English texts as in
// shared/ory/elements/messages.en.json). Texts and context keys match what Kratos puts on the wire.
import type { UIText } from '../context.ts';

const error = (id: number, text: string, context?: Record<string, unknown>): UIText =>
  context ? { id, text, type: 'error', context } : { id, text, type: 'error' };

/** Go's %v for float64 as Kratos formats numbers in these messages. */
const num = (n: number): string => String(n);

export const validationText = {
  generic: (reason: string) => error(4000001, reason, { reason }),
  required: (property: string) => error(4000002, `Property ${property} is missing.`, { property }),
  minLength: (min: number, actual: number) =>
    error(4000003, `length must be >= ${min}, but got ${actual}`, {
      min_length: min,
      actual_length: actual,
    }),
  invalidPattern: (pattern: string) =>
    error(4000004, `does not match pattern ${JSON.stringify(pattern)}`, { pattern }),
  maxLength: (max: number, actual: number) =>
    error(4000017, `length must be <= ${max}, but got ${actual}`, {
      max_length: max,
      actual_length: actual,
    }),
  minimum: (minimum: number, actual: number) =>
    error(4000018, `must be >= ${num(minimum)} but found ${num(actual)}`, { minimum, actual }),
  exclusiveMinimum: (minimum: number, actual: number) =>
    error(4000019, `must be > ${num(minimum)} but found ${num(actual)}`, { minimum, actual }),
  maximum: (maximum: number, actual: number) =>
    error(4000020, `must be <= ${num(maximum)} but found ${num(actual)}`, { maximum, actual }),
  exclusiveMaximum: (maximum: number, actual: number) =>
    error(4000021, `must be < ${num(maximum)} but found ${num(actual)}`, { maximum, actual }),
  multipleOf: (base: number, actual: number) =>
    error(4000022, `${num(actual)} not multipleOf ${num(base)}`, { base, actual }),
  maxItems: (max: number, actual: number) =>
    error(4000023, `maximum ${max} items allowed, but found ${actual} items`, {
      max_items: max,
      actual_items: actual,
    }),
  minItems: (min: number, actual: number) =>
    error(4000024, `minimum ${min} items allowed, but found ${actual} items`, {
      min_items: min,
      actual_items: actual,
    }),
  uniqueItems: (a: number, b: number) =>
    error(4000025, `items at index ${a} and ${b} are equal`, { index_a: a, index_b: b }),
  wrongType: (allowed: string[], actual: string) =>
    error(4000026, `expected ${allowed.join(' or ')}, but got ${actual}`, {
      allowed_types: allowed,
      actual_type: actual,
    }),
  constant: (expected: unknown) =>
    error(4000029, `must be equal to constant ${JSON.stringify(expected)}`, {
      expected: JSON.stringify(expected),
    }),
  email: (value: string) => error(4000040, 'Enter a valid email address', { value }),
  phone: (value: string) => error(4000041, 'Enter a valid phone number', { value }),
} as const;

/** The label Kratos puts on trait inputs: id 1070002, text = schema title (text.NewInfoNodeLabelGenerated). */
export const generatedLabel = (title: string, name: string): UIText => ({
  id: 1070002,
  text: title,
  type: 'info',
  context: { name, title },
});
