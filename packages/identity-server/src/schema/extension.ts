// The `ory.sh/kratos` identity-schema extension (shared/ory/kratos/identity_extension.schema.json):
// which traits are login identifiers, and which are verification / recovery addresses.
import type { JSONSchemaNode, TraitPath } from './paths.ts';
import { resolveRef, valueAt } from './paths.ts';

export interface KratosExtension {
  credentials?: {
    password?: { identifier?: boolean };
    webauthn?: { identifier?: boolean };
    passkey?: { display_name?: boolean };
    code?: { identifier?: boolean; via?: 'email' | 'sms' };
  };
  verification?: { via?: 'email' | 'sms' };
  recovery?: { via?: 'email' | 'sms' };
}

export type Via = 'email' | 'sms';

const EXT = 'ory.sh/kratos';

function extensionOf(
  root: JSONSchemaNode,
  path: TraitPath,
): { ext: KratosExtension; many: boolean } | undefined {
  const own = path.schema[EXT];
  if (typeof own === 'object' && own !== null) return { ext: own as KratosExtension, many: false };
  // Arrays of addresses carry the extension on `items` (e.g. a list of emails).
  const items = path.schema.items;
  if (path.type === 'array' && typeof items === 'object' && items !== null) {
    const resolved = resolveRef(root, items as JSONSchemaNode)[EXT];
    if (typeof resolved === 'object' && resolved !== null)
      return { ext: resolved as KratosExtension, many: true };
  }
  return undefined;
}

function values(traits: Record<string, unknown>, path: TraitPath, many: boolean): string[] {
  const raw = valueAt(traits, path.segments);
  const list = many
    ? Array.isArray(raw)
      ? raw
      : []
    : raw === undefined || raw === null
      ? []
      : [raw];
  return list.filter((v) => typeof v === 'string' || typeof v === 'number').map(String);
}

/** Kratos lower-cases every password identifier (identity/extension_credentials.go setIdentifier). */
export function passwordIdentifiers(
  root: JSONSchemaNode,
  paths: TraitPath[],
  traits: Record<string, unknown>,
): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    const found = extensionOf(root, path);
    if (!found?.ext.credentials?.password?.identifier) continue;
    for (const v of values(traits, path, found.many)) if (v !== '') out.add(v.toLowerCase());
  }
  return [...out];
}

/** Email addresses are trimmed and lower-cased as Kratos stores them (extension_verification.go). */
export function addresses(
  root: JSONSchemaNode,
  paths: TraitPath[],
  traits: Record<string, unknown>,
  kind: 'verification' | 'recovery',
): Array<{ value: string; via: Via }> {
  const out = new Map<string, { value: string; via: Via }>();
  for (const path of paths) {
    const found = extensionOf(root, path);
    const via = found?.ext[kind]?.via;
    if (via !== 'email' && via !== 'sms') continue;
    for (const v of values(traits, path, found!.many)) {
      const value = via === 'email' ? v.trim().toLowerCase() : v.replace(/[\s().-]/g, '');
      if (value !== '') out.set(`${via}:${value}`, { value, via });
    }
  }
  return [...out.values()];
}
