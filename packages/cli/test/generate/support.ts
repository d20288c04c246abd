// Schemas for the generated files, read from where they are kept (never copied into the repo):
// Ory's under ../shared/ory (beside the repository root), the compose specification's as shipped in
// the dclint package. A missing schema fails the test loudly: validation is never skipped.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SHARED_ORY = join(REPO_ROOT, '../shared/ory');

export function readSchema(path: string): Record<string, unknown> {
  if (!existsSync(path)) {
    throw new Error(
      `schema not found at ${path}: the tests need ../shared beside the repository root`,
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

export function composeSchemaPath(): string {
  const pkg = createRequire(import.meta.url).resolve('dclint/package.json');
  return join(dirname(pkg), 'schemas/compose.schema.json');
}

export function validator(
  schema: Record<string, unknown>,
  ref?: string,
  referenced: Array<Record<string, unknown>> = [],
) {
  // validateSchema off: the compose schema names its draft by an https URL Ajv does not register.
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: true,
    validateSchema: false,
  });
  addFormats.default(ajv);
  // Ory's schemas $ref shared parts by ory:// ids that ship separately (tracing, CORS, serve, TLS);
  // the generated files set none of those keys, so the parts are stood in for by open objects.
  for (const id of ['tracing-config', 'cors-config', 'serve-config', 'tls-config']) {
    ajv.addSchema({ $id: `ory://${id}`, type: 'object' });
  }
  for (const other of referenced) ajv.addSchema(other);
  const validate = ref
    ? (ajv.addSchema(schema, 'doc'), ajv.getSchema(`doc${ref}`)!)
    : ajv.compile(schema);
  return (value: unknown): string[] =>
    validate(value)
      ? []
      : (validate.errors ?? []).map(
          (e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
        );
}

export const EDGE_YAML = `server:
  port: 8080
  public_url: https://notes.example.com
kratos:
  public_url: http://kratos:4433
  admin_url: http://kratos:4434
gateway:
  upstream_url: http://app:3000
  header_secret: ${'g'.repeat(40)}
  session_cookie_name: notes_session
  rules:
    - { id: login, path: /login, mode: public }
    - { id: home, path: /, methods: [GET, HEAD], mode: optional }
    - { id: static, path: '/static/**', mode: public }
    - { id: admin, path: '/admin/**', mode: role, roles: [admin] }
    - { id: notes-api, regex: '^/api/notes(/[^/]+)?$', mode: required }
    - { id: notes, path: '/notes/*', methods: [GET, POST], mode: required }
    - { id: everything-else, path: '/**', methods: [GET], mode: optional }
`;
