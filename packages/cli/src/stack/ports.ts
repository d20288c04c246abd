// `vestibule up` must know every URL before it starts anything (Kratos's UI URLs point at the edge,
// the edge points at Kratos and the app), so a requested port 0 is resolved to a free port up front.
import { createServer } from 'node:net';

export async function resolvePort(host: string, requested: number): Promise<number> {
  if (requested !== 0) return requested;
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Fails early with the port's name when something else already listens there. */
export async function assertPortFree(host: string, port: number, name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} (${name}) is already in use; stop what runs there or pass another port`
            : `cannot listen on ${host}:${port} (${name}): ${err.message}`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
