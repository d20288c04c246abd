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

/** A port known before its server starts; a free one (requested 0) stays bound until released. */
export interface PortReservation {
  port: number;
  /** Frees the port for its real server: call right before that server listens. */
  release(): Promise<void>;
}

/**
 * Like resolvePort, but a free port stays bound until `release()`: between planning and listening
 * (seconds, while a database opens) another process could otherwise take it (EADDRINUSE).
 */
export async function reservePort(host: string, requested: number): Promise<PortReservation> {
  if (requested !== 0) return { port: requested, release: async () => {} };
  return new Promise((resolve, reject) => {
    // A connection while held is closed at once: callers probing a part that is not up yet must
    // fail fast (as on a closed port), never wait on a socket nobody answers.
    const holder = createServer((socket) => socket.destroy());
    holder.once('error', reject);
    holder.listen(0, host, () => {
      // Held, not waited on: a stack that fails before its release can still exit.
      holder.unref();
      const address = holder.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      let released: Promise<void> | undefined;
      resolve({
        port,
        release: () => (released ??= new Promise<void>((done) => holder.close(() => done()))),
      });
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
