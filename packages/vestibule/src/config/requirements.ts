// What `vestibule serve` needs that `vestibule up` fills in itself: where Kratos and the app are, and
// the secret the app verifies identity headers with. Checked at startup so a missing key is named.
import type { EdgeConfig } from './schema.ts';
import { InvalidConfig } from './load.ts';
import { isLoopbackName } from '../lib/loopback.ts';

/**
 * Secrets printed in this project's examples and docs. Anyone can read them, so an edge that others
 * can reach must not run on them: its identity headers would be forgeable by every reader.
 */
export const DOCUMENTED_EXAMPLE_SECRETS: ReadonlySet<string> = new Set([
  'change-me-to-a-long-random-string-of-32+-chars',
  'another-long-random-string-32+-chars',
]);

/** `server.host` as it listens: loopback only, or reachable from other machines. */
export function listensBeyondLoopback(host: string): boolean {
  const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return !isLoopbackName(name) && !/^127\./.test(host);
}

export function assertServable(config: EdgeConfig): void {
  const problems: Array<{ key: string; message: string }> = [];
  if (!config.kratos.public_url) {
    problems.push({
      key: 'kratos.public_url',
      message: 'required (or set VESTIBULE_KRATOS_PUBLIC_URL)',
    });
  }
  if (!config.gateway.upstream_url) {
    problems.push({
      key: 'gateway.upstream_url',
      message: 'required (or set VESTIBULE_UPSTREAM_URL)',
    });
  }
  if (!config.gateway.header_secret) {
    problems.push({
      key: 'gateway.header_secret',
      message: 'required, at least 32 characters (or set VESTIBULE_HEADER_SECRET)',
    });
  }
  if (config.hydra.access_token_strategy !== 'opaque' && !config.hydra.public_url) {
    problems.push({
      key: 'hydra.public_url',
      message: `required with hydra.access_token_strategy: ${config.hydra.access_token_strategy} (the JWKS is read there)`,
    });
  }
  if (listensBeyondLoopback(config.server.host)) problems.push(...exampleSecretsIn(config));
  if (problems.length > 0) throw new InvalidConfig(problems);
}

function exampleSecretsIn(config: EdgeConfig): Array<{ key: string; message: string }> {
  const secrets: Array<[string, string | undefined]> = [
    ['gateway.header_secret', config.gateway.header_secret],
    ['gateway.revocation.secret', config.gateway.revocation?.secret],
    ...config.gateway.upstream_secrets.map((u, i): [string, string] => [
      `gateway.upstream_secrets[${i}].header_secret`,
      u.header_secret,
    ]),
  ];
  return secrets
    .filter(([, value]) => value !== undefined && DOCUMENTED_EXAMPLE_SECRETS.has(value))
    .map(([key]) => ({
      key,
      message: `is the documented example secret, and server.host ${config.server.host} is reachable beyond loopback: generate one (openssl rand -base64 32)`,
    }));
}
