// Session errors with Kratos's ids and texts (session/manager.go ErrNoActiveSessionFound).
import { KratosError } from '../http/errors.ts';

export function noActiveSession(): KratosError {
  return new KratosError(401, 'request does not have a valid authentication session', {
    id: 'session_inactive',
    reason: 'No active session was found in this request.',
  });
}

/**
 * session/handler.go: herodot.ErrBadRequest().WithError(err.Error()) for a uuid.FromString
 * failure — gofrs/uuid's text as the message, no reason.
 */
export function invalidUUID(value: string): KratosError {
  const text =
    value.length === 36 || value.length === 32
      ? `uuid: incorrect UUID format in string ${JSON.stringify(value)}`
      : `uuid: incorrect UUID length ${value.length} in string ${JSON.stringify(value)}`;
  return new KratosError(400, text);
}
