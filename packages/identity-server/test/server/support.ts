// Writing throwaway kratos.yml files for server tests: the shipped config on free ports.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { SHIPPED_CONFIG_PATH, SHIPPED_SCHEMA_PATH } from '../../src/config/index.ts';

/**
 * A port that is free now, for a config that must name it before the server listens. Picked at
 * random BELOW the kernel's ephemeral range (32768+ on Linux): listen(0) and every outgoing
 * connection of the other test processes draw from that range, so a port taken from it could be
 * grabbed between this check and the server's own bind (seen once under load).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
    if (attempt > 50) throw new Error('no free port found below the ephemeral range');
  }
}

/** A kratos.yml in a fresh temp dir; `edit` changes the parsed shipped config before writing. */
export async function writeConfig(
  edit: (config: Record<string, unknown>, dir: string) => void = () => {},
): Promise<{ path: string; dir: string; publicPort: number; adminPort: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'vestibule-kratos-'));
  const config = parse(await readFile(SHIPPED_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  config.serve = {
    public: { base_url: `http://127.0.0.1:${publicPort}/`, host: '127.0.0.1', port: publicPort },
    admin: { base_url: `http://127.0.0.1:${adminPort}/`, host: '127.0.0.1', port: adminPort },
  };
  config.identity = {
    default_schema_id: 'default',
    schemas: [{ id: 'default', url: `file://${SHIPPED_SCHEMA_PATH}` }],
  };
  config.hashers = { algorithm: 'bcrypt', bcrypt: { cost: 4 } };
  // Tests never reach the network: the shipped config's Have I Been Pwned lookup is turned off.
  type Tree = Record<string, Record<string, unknown>>;
  const methods = ((config.selfservice as Tree).methods ??= {}) as Tree;
  const password = (methods.password ??= {}) as Tree;
  password.config = { ...password.config, haveibeenpwned_enabled: false };
  edit(config, dir);
  const path = join(dir, 'kratos.yml');
  await writeFile(path, stringify(config));
  return { path, dir, publicPort, adminPort };
}
