// Validation messages (Kratos text/message_validation.go; ids in text/id.go): 4000xxx. Texts and
// context keys match what Kratos puts on the wire, including the schema validator's wording.
import { uiText } from './message.ts';

const error = (id: number, text: string, context?: Record<string, unknown>) =>
  uiText(id, text, 'error', context);

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
  invalidCredentials: () =>
    error(
      4000006,
      'The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.',
    ),
  /** Identifier-first login, unknown account, mitigation off (Kratos schema.NewAccountNotFoundError). */
  accountNotFound: () =>
    error(4000037, 'This account does not exist or has no login method configured.'),
  duplicateCredentials: () =>
    error(
      4000007,
      'An account with the same identifier (email, phone, username, ...) exists already.',
    ),
  noIdentifiers: () =>
    error(
      4000009,
      'Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration.',
    ),
  addressNotVerified: () =>
    error(4000010, 'Account not active yet. Did you forget to verify your email address?'),
  submittedTooOften: () =>
    error(4000001, 'The request was submitted too often. Please request another code.', {
      reason: 'The request was submitted too often. Please request another code.',
    }),
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

/** The password policy's messages (Kratos DefaultPasswordValidator errors, 40000xx). */
export const passwordText = {
  policyViolation: (reason: string) =>
    error(4000005, `The password can not be used because ${reason}.`, { reason }),
  tooSimilar: () =>
    error(4000031, 'The password can not be used because it is too similar to the identifier.'),
  minLength: (min: number, actual: number) =>
    error(4000032, `The password must be at least ${min} characters long, but got ${actual}.`, {
      min_length: min,
      actual_length: actual,
    }),
  maxLength: (max: number, actual: number) =>
    error(4000033, `The password must be at most ${max} characters long, but got ${actual}.`, {
      max_length: max,
      actual_length: actual,
    }),
  tooManyBreaches: (breaches: number) =>
    error(4000034, 'The password has been found in data breaches and must no longer be used.', {
      breaches,
    }),
} as const;
