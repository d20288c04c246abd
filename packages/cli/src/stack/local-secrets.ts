// Secrets `vestibule up` makes for itself instead of shipping constants anyone can read: the demo
// admin's password, and — when the stack listens beyond loopback — Kratos's cookie and cipher secrets
// and the identity-header secret. Each is generated on first need and kept in <data dir>/secrets.json
// (mode 0600), so a restart keeps sessions, encrypted fields and the admin login working; with
// --memory (no data dir) each run gets fresh ones.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRETS_FILE = 'secrets.json';

export type SecretName =
  | 'admin_password'
  | 'kratos_cookie'
  | 'kratos_cipher'
  | 'header_secret'
  | 'hydra_system'
  // The edge's unlock/audit endpoint (`vestibule lockout`, `vestibule audit` read it from here).
  | 'protection_admin_secret'
  // The RP demo's OAuth2 client secret (its client is registered again on each start).
  | 'rp_client_secret';

export interface LocalSecret {
  value: string;
  /** Made by this call (never shown before): the one time a password may be printed. */
  created: boolean;
}

/** 24 random bytes → 32 base64url characters: Kratos's cipher secrets must be exactly 32 long. */
function generate(): string {
  return randomBytes(24).toString('base64url');
}

export function localSecret(dataDir: string | undefined, name: SecretName): LocalSecret {
  if (!dataDir) return { value: generate(), created: true };
  const path = join(dataDir, SECRETS_FILE);
  const kept = existsSync(path) ? readSecrets(path) : {};
  const value = kept[name];
  if (typeof value === 'string' && value.length >= 16) return { value, created: false };
  const made = generate();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, JSON.stringify({ ...kept, [name]: made }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { value: made, created: true };
}

function readSecrets(path: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Unreadable or not JSON: refuse rather than silently replace secrets that sessions depend on.
  }
  throw new Error(`${path} is not a JSON object of secrets: fix or delete it`);
}
