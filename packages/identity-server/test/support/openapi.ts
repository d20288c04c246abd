// Validates responses against Kratos's own OpenAPI document (shared/ory/kratos/openapi.v26.2.0.json):
// the schema is picked by path template + method + status (falling back to `default`), and
// `#/components/schemas/...` refs resolve inside the document.
//
// Documented relaxations (1): `genericError.details` is declared `additionalProperties: false`, but
// Kratos fills it from a Go map[string]interface{} (redirect_to, return_to, continue_with, docs…),
// so real Kratos responses would fail it. It is validated as a plain object instead. (2) a 4xx
// body that is the generic error envelope is accepted where the spec names another schema (see
// isGenericError below). (3) a 3xx answer to a GET carries the small HTML page net/http's Redirect
// writes, where the spec declares no body. (4) `successfulNativeLogin.continue_with` is declared an
// array, but a real Kratos answers an API login with `continue_with: null`
// (shared/ory/kratos/transcripts/login-api.json), so it is nullable here. (5) `session.identity` is
// declared an identity, but Kratos's Session struct marshals the pointer without omitempty, so an
// admin read without expand=identity answers `identity: null` (session/handler.go getSession,
// adminListSessions); it is nullable here.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readSharedJSON } from '../../../../test/support/shared.ts';

type JSONObject = Record<string, unknown>;
interface OpenAPIDocument {
  paths: Record<string, Record<string, { responses: Record<string, JSONObject> }>>;
  components: { schemas: Record<string, JSONObject>; responses: Record<string, JSONObject> };
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface ResponseValidator {
  /** Throws an AssertionError-like Error describing every schema violation. */
  assertValid(method: string, url: string, status: number, body: unknown): void;
  /** Path template matched for a URL path (e.g. /admin/sessions/{id}). */
  templateFor(method: string, pathname: string): string | undefined;
}

export function loadKratosOpenAPI(): OpenAPIDocument | undefined {
  const doc = readSharedJSON<OpenAPIDocument>('kratos/openapi.v26.2.0.json');
  if (!doc) return undefined;
  const copy = structuredClone(doc);
  const generic = copy.components.schemas.genericError as { properties: JSONObject };
  generic.properties.details = { type: 'object', description: 'Further error details' };
  // OpenAPI 3.0 `nullable` without `type` (nullJsonRawMessage: any JSON) means "anything": Ajv
  // rejects that combination, so the keyword is dropped there.
  dropUntypedNullable(copy.components);
  const nativeLogin = copy.components.schemas.successfulNativeLogin as {
    properties: Record<string, JSONObject>;
  };
  nativeLogin.properties.continue_with!.nullable = true;
  const session = copy.components.schemas.session as { properties: Record<string, JSONObject> };
  session.properties.identity = { anyOf: [session.properties.identity!, { type: 'null' }] };
  return copy;
}

function dropUntypedNullable(node: unknown): void {
  if (Array.isArray(node)) node.forEach(dropUntypedNullable);
  else if (typeof node === 'object' && node !== null) {
    const record = node as JSONObject;
    if (record.nullable === true && record.type === undefined) delete record.nullable;
    Object.values(record).forEach(dropUntypedNullable);
  }
}

export function createResponseValidator(doc: OpenAPIDocument): ResponseValidator {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('int64', true);
  ajv.addFormat('uuid4', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addSchema({ $id: 'kratos.json', components: doc.components } as JSONObject);
  const compiled = new Map<string, ValidateFunction>();
  const templates = Object.keys(doc.paths).map((template) => ({
    template,
    pattern: new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`,
    ),
  }));

  // Kratos's handlers write the generic error envelope for any 4xx (herodot), also where the spec
  // documents another body for that status (e.g. 400 on POST /self-service/login is "the flow with
  // validation messages", but a malformed body gets the envelope). Such bodies are checked against
  // errorGeneric instead.
  const genericError = ajv.compile({ $ref: 'kratos.json#/components/schemas/errorGeneric' });
  const isGenericError = (body: unknown) =>
    typeof body === 'object' && body !== null && 'error' in body && genericError(body);

  const templateFor = (method: string, pathname: string) =>
    templates.find((t) => t.pattern.test(pathname) && doc.paths[t.template]![method.toLowerCase()])
      ?.template;

  function schemaFor(template: string, method: string, status: number): JSONObject | null {
    const responses = doc.paths[template]![method.toLowerCase()]!.responses;
    let response = responses[String(status)] ?? responses.default;
    if (!response)
      throw new Error(`${method} ${template}: status ${status} is not in Kratos's spec`);
    const ref = response.$ref;
    if (typeof ref === 'string') response = doc.components.responses[ref.split('/').pop()!]!;
    const content = response.content as Record<string, { schema: JSONObject }> | undefined;
    return content?.['application/json']?.schema ?? null;
  }

  return {
    templateFor,
    assertValid(method, url, status, body) {
      const pathname = new URL(url).pathname;
      // (3) redirects: the spec leaves some out (a registration form error is a 302 Found in
      // Kratos), and their bodies are net/http's little page or nothing.
      if (status >= 300 && status < 400 && (body === undefined || typeof body === 'string')) return;
      const template = templateFor(method, pathname);
      if (!template) throw new Error(`${method} ${pathname} is not an endpoint of Kratos's spec`);
      const schema = schemaFor(template, method, status);
      if (schema === null) {
        const redirectPage = status >= 300 && status < 400 && typeof body === 'string';
        if (body !== undefined && body !== '' && body !== null && !redirectPage) {
          throw new Error(
            `${method} ${template} ${status}: spec declares no body, got ${JSON.stringify(body).slice(0, 200)}`,
          );
        }
        return;
      }
      const key = `${template} ${method} ${status}`;
      let validate = compiled.get(key);
      if (!validate) {
        const rewritten = JSON.parse(
          JSON.stringify(schema).replaceAll('"#/components/', '"kratos.json#/components/'),
        ) as JSONObject;
        validate = ajv.compile(rewritten);
        compiled.set(key, validate);
      }
      if (!validate(body) && !(status >= 400 && isGenericError(body))) {
        const problems = (validate.errors ?? [])
          .slice(0, 8)
          .map((e) => `${e.instancePath || '/'} ${e.message}`);
        throw new Error(
          `${method} ${template} ${status} violates Kratos's schema:\n  ${problems.join('\n  ')}\nbody: ${JSON.stringify(body).slice(0, 600)}`,
        );
      }
    },
  };
}
