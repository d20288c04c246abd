// Opaque keyset page tokens (Kratos's `page_token`): base64url JSON of the last row's sort key.
// Clients must not build them; a token that does not decode is a 400, never a SQL error.

import { KratosError } from '../http/errors.ts';

/** A KratosError (400), so a route that lets it escape still answers like Kratos, not with a 500. */
export class InvalidPageTokenError extends KratosError {
  constructor() {
    super(400, 'The request was malformed or contained invalid parameters', {
      reason: 'The page token is invalid, do not craft your own page tokens.',
    });
    this.name = 'InvalidPageTokenError';
  }
}

export function encodePageToken(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodePageToken<K extends string>(
  token: string,
  keys: readonly K[],
): Record<K, string> {
  let parsed: unknown;
  try {
    if (token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('shape');
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPageTokenError();
  }
  const record = parsed as Record<string, unknown>;
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !keys.every((k) => typeof record[k] === 'string')
  ) {
    throw new InvalidPageTokenError();
  }
  return record as Record<K, string>;
}
