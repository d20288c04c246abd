// PATCH /admin/identities/{id}: RFC 6902 JSON Patch over the identity's admin JSON (credentials
// excluded), as Kratos does with jsonx.ApplyJSONPatch(…, "/id", "/stateChangedAt", "/credentials").
import fastJSONPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { KratosError, badRequest } from '../http/errors.ts';
import { isObject, type JSONObject } from './input.ts';

const { applyPatch, validate } = fastJSONPatch;

/** Paths Kratos refuses to patch (its list, plus the snake_case spelling of state_changed_at). */
const DENIED = ['/id', '/stateChangedAt', '/state_changed_at', '/credentials'];
const MAX_OPERATIONS = 1000;

// Kratos identity/handler.go patch: ErrBadRequest.WithReasonf("An error occured…").WithErrorf(err):
// the patch error is the message; there are no details.
const patchError = (detail: string) =>
  new KratosError(400, detail, { reason: 'An error occured when applying the JSON patch' });

export function applyIdentityPatch(document: JSONObject, operations: unknown): JSONObject {
  if (!Array.isArray(operations))
    throw badRequest('The request body must be a JSON Patch document (an array of operations).');
  if (operations.length > MAX_OPERATIONS)
    throw badRequest(`A JSON Patch may have at most ${MAX_OPERATIONS} operations.`);
  for (const op of operations) {
    if (!isObject(op) || typeof op.path !== 'string')
      throw patchError('every operation needs an op and a path');
    for (const path of [op.path, typeof op.from === 'string' ? op.from : undefined]) {
      // The root path "" would replace the whole document, /id included.
      if (
        path !== undefined &&
        (path === '' || DENIED.some((d) => path === d || path.startsWith(`${d}/`)))
      ) {
        throw patchError(`patch includes denied path: ${path}`);
      }
      if (path !== undefined && /(^|\/)(__proto__|constructor|prototype)(\/|$)/.test(path)) {
        throw patchError(`patch path is not allowed: ${path}`);
      }
    }
  }
  const target = structuredClone(document);
  try {
    const problem = validate(operations as Operation[], target);
    if (problem) throw patchError(`${problem.name}: ${problem.message.split('\n')[0]}`);
    // validateOperation=true, mutateDocument=true, banPrototypeModifications=true
    return applyPatch(target, operations as Operation[], true, true, true).newDocument;
  } catch (err) {
    // fast-json-patch throws plain TypeErrors for some invalid documents (e.g. moving a value
    // into its own child, which RFC 6902 §4.4 forbids): every failure is the client's 400.
    if (err instanceof KratosError) throw err;
    throw patchError((err as Error).message.split('\n')[0] ?? 'invalid patch');
  }
}
