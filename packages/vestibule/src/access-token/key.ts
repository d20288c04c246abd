// The name an access token is cached and announced under: a SHA-256, never the token itself (a
// heap dump or the session bus's table then holds nothing a reader could call an API with). The
// `access_token` label keeps it apart from session-credential keys on the same bus.
import { hash } from 'node:crypto';

export function accessTokenKey(token: string): string {
  return hash('sha256', `access_token\0${token}`, 'base64url');
}

/** The name of a JWT access token by its `jti` (what a server that stores only the id can report). */
export function accessTokenJtiKey(jti: string): string {
  return hash('sha256', `access_token_jti\0${jti}`, 'base64url');
}
