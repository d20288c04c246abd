// What `vestibule serve` needs that `vestibule up` fills in itself: where Kratos and the app are, and
// the secret the app verifies identity headers with. Checked at startup so a missing key is named.
import type { EdgeConfig } from './schema.ts';
import { InvalidConfig } from './load.ts';

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
  if (problems.length > 0) throw new InvalidConfig(problems);
}
