// Writing throwaway kratos.yml files for server tests: the shipped config on free ports.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { SHIPPED_CONFIG_PATH, SHIPPED_SCHEMA_PATH } from '../../src/config/index.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
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
  edit(config, dir);
  const path = join(dir, 'kratos.yml');
  await writeFile(path, stringify(config));
  return { path, dir, publicPort, adminPort };
}
