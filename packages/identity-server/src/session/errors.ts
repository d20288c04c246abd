// Session errors with Kratos's ids and texts (session/manager.go ErrNoActiveSessionFound).
import { KratosError, badRequest } from '../http/errors.ts';

export function noActiveSession(): KratosError {
  return new KratosError(401, 'request does not have a valid authentication session', {
    id: 'session_inactive',
    reason: 'No active session was found in this request.',
  });
}

export function invalidUUID(): KratosError {
  return badRequest('could not parse UUID');
}
