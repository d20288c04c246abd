// Loads an identity schema from the URL forms Kratos accepts: file://, base64:// and http(s)://.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export class SchemaLoadError extends Error {
  constructor(
    readonly schemaId: string,
    problem: string,
  ) {
    super(`identity schema "${schemaId}": ${problem}`);
    this.name = 'SchemaLoadError';
  }
}

const MAX_SCHEMA_BYTES = 1024 * 1024;

export async function loadSchemaSource(
  id: string,
  url: string,
  fetchImpl: typeof fetch = fetch,
): Promise<Record<string, unknown>> {
  const text = await readSource(id, url, fetchImpl);
  if (text.length > MAX_SCHEMA_BYTES) throw new SchemaLoadError(id, 'schema is larger than 1 MiB');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SchemaLoadError(id, `${describe(url)} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SchemaLoadError(id, `${describe(url)} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

async function readSource(id: string, url: string, fetchImpl: typeof fetch): Promise<string> {
  if (url.startsWith('base64://')) {
    return Buffer.from(url.slice('base64://'.length), 'base64').toString('utf8');
  }
  if (/^https?:\/\//i.test(url)) {
    const response = await fetchImpl(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    }).catch((err: unknown) => {
      throw new SchemaLoadError(id, `cannot fetch ${url}: ${(err as Error).message}`);
    });
    if (!response.ok) throw new SchemaLoadError(id, `fetching ${url} returned ${response.status}`);
    return response.text();
  }
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new SchemaLoadError(
      id,
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

const describe = (url: string) => (url.startsWith('base64://') ? 'the base64 schema' : url);
