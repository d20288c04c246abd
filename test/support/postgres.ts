// A throwaway PostgreSQL server for tests that must prove a real PostgreSQL (not PGlite) works.
// It uses the Debian server binaries (/usr/lib/postgresql/<major>/bin): present on development
// machines and installed by .ci/run. Like shared.ts: when the binaries are missing, tests fail in CI
// and are skipped elsewhere with a visible one-line notice.
//
// The cluster lives in a fresh temp directory, listens only on a unix socket in that directory (no
// TCP port to collide with), trusts local connections, and runs with fsync off (it is thrown away).
// PostgreSQL refuses to run as root, so under root the server runs as the `postgres` (or `nobody`)
// user: spawned with that uid/gid directly, so the child we signal IS the postmaster.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayPostgres {
  /** postgres://… DSN of the `vestibule` database over the unix socket (superuser `vestibule`). */
  dsn: string;
  /** A DSN of another fresh database in the same cluster (each test file may want its own). */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown) and deletes the cluster. Idempotent. */
  stop(): Promise<void>;
}

const USER = 'vestibule';

/** The newest installed server's bin directory, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

/** Returns the bin directory, or `undefined` after printing a skip notice (throws in CI). */
export function requirePostgresBinaries(): string | undefined {
  const bin = postgresBinDir();
  if (bin) return bin;
  if (process.env.CI) {
    throw new Error(
      'PostgreSQL server binaries missing in CI (/usr/lib/postgresql/*/bin/postgres): .ci/run installs the postgresql package',
    );
  }
  console.log(
    '# notice: skipping tests that need a real PostgreSQL server (no /usr/lib/postgresql/*/bin/postgres; apt-get install postgresql)',
  );
  return undefined;
}

/** uid/gid to run the server as: ourselves, or (as root) `postgres`, else `nobody`. */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const entry = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (entry) return { uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error('running as root, but neither a postgres nor a nobody user exists');
}

function run(bin: string, args: string[], account: ReturnType<typeof serverAccount>): void {
  const result = spawnSync(bin, args, {
    ...(account ?? {}),
    cwd: tmpdir(), // the server account may not be allowed into our working directory
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (result.status !== 0) {
    throw new Error(`${bin} failed (${result.status ?? result.signal}): ${result.stderr}`);
  }
}

/** Resolves once the postmaster logs that it accepts connections; rejects if it exits first. */
function whenReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        child.stderr?.resume(); // keep draining so the server never blocks on a full pipe
        resolve();
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`postgres exited (${code}) before it was ready:\n${log}`));
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * Starts a throwaway cluster; `undefined` (after a skip notice) when the binaries are missing
 * outside CI. Always `stop()` it (in an `after` hook); the server is also killed when the test
 * process exits, so a crashed test leaves no postmaster behind.
 */
export async function startPostgres(): Promise<ThrowawayPostgres | undefined> {
  const bin = requirePostgresBinaries();
  if (!bin) return undefined;
  const account = serverAccount();
  // Short path: the socket path (<dir>/.s.PGSQL.5432) must stay under the 107-byte limit.
  const dir = await mkdtemp(join(tmpdir(), 'vpg-'));
  const data = join(dir, 'data');
  if (account) chownSync(dir, account.uid, account.gid);
  chmodSync(dir, 0o700);
  try {
    run(
      join(bin, 'initdb'),
      ['-D', data, '-U', USER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      account,
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-k',
      dir, // unix socket here
      '-c',
      'listen_addresses=', // no TCP at all
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=50',
    ],
    {
      ...(account ?? {}),
      cwd: tmpdir(),
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      // Smart shutdown first: pools that were just closed still have Terminate messages in flight,
      // and a fast shutdown would answer those clients with an error nobody listens for any more.
      // A client a test forgot to close must not hang the run: fast shutdown after 5 s.
      child.kill('SIGTERM');
      const escalate = setTimeout(() => child.kill('SIGINT'), 5_000);
      await exited;
      clearTimeout(escalate);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await whenReady(child);
  } catch (err) {
    await stop();
    throw err;
  }
  const dsnOf = (database: string) =>
    `postgres://${USER}@localhost/${database}?host=${encodeURIComponent(dir)}`;
  run(join(bin, 'createdb'), ['-h', dir, '-U', USER, 'vestibule'], account);
  return {
    dsn: dsnOf('vestibule'),
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
      run(join(bin, 'createdb'), ['-h', dir, '-U', USER, name], account);
      return dsnOf(name);
    },
    stop,
  };
}
