// The stack's OAuth2 server (Hydra): a configured one, none, or the embedded one started in the
// background. The embedded server takes seconds (oidc-provider, its PGlite) and only /oauth2/* need
// it, so "Vestibule is up" does not wait for it: its URLs are fixed up front (the edge is configured
// with them), it starts once the edge answers, the edge answers /oauth2/* with 503 until it is up,
// readiness reports it (the edge probes Hydra's /health/ready) and a line says when it is up.
import { join } from 'node:path';
import type { EdgeConfig } from 'vestibule/config';
import type { Logger } from 'vestibule/edge';
import type { Progress } from '../terminal/progress.ts';
import {
  embeddedOAuth2URLs,
  startEmbeddedOAuth2,
  type EmbeddedOAuth2,
  type EmbeddedOAuth2Options,
} from './embedded-oauth2.ts';
import { resolvePort } from './ports.ts';

export interface OAuth2PartOptions {
  host: string;
  ports: { hydraPublic?: number; hydraAdmin?: number };
  dataDir?: string;
  /** false: no OAuth2 server at all (tests that do not use it). */
  oauth2?: boolean;
  /** Tests: the embedded server starts only once this settles (to see the edge meanwhile). */
  oauth2StartsAfter?: Promise<unknown>;
  progress: Progress;
  logger: Logger;
}

export interface OAuth2Part {
  publicURL: string | undefined;
  adminURL: string | undefined;
  embedded: boolean;
  /** True while the embedded server is starting (the edge's /oauth2/* answer 503 meanwhile). */
  starting(): boolean;
  /** Starts the embedded server in the background; nothing for a configured or absent one. */
  start(): void;
  /** Settles when the embedded server is up (resolves) or could not start (rejects). */
  ready: Promise<void>;
  /** Waits for a start in progress, then stops the server. */
  close(): Promise<void>;
}

export async function planOAuth2(
  options: OAuth2PartOptions,
  config: Readonly<EdgeConfig>,
  edgeURL: string,
  /** The edge's revocation webhook: the embedded server reports revoked access tokens there. */
  revocationWebhook?: { url: string; secret: string },
): Promise<OAuth2Part> {
  if (options.oauth2 === false) return fixed(undefined, undefined);
  if (config.hydra.public_url || config.hydra.admin_url) {
    options.progress.line(
      `• using Hydra at ${config.hydra.public_url ?? config.hydra.admin_url} (embedded OAuth2 server not started)`,
    );
    return fixed(config.hydra.public_url, config.hydra.admin_url);
  }
  // Not held like the identity server's: it starts after "up", and probes (doctor, readiness)
  // read a refused connection as "still starting", which a held port would turn into a reset.
  const embedded: EmbeddedOAuth2Options = {
    host: options.host,
    publicPort: await resolvePort(options.host, options.ports.hydraPublic ?? 0),
    adminPort: await resolvePort(options.host, options.ports.hydraAdmin ?? 0),
    edgeURL,
    scopeStrategy: config.hydra.scope_strategy,
    ...(revocationWebhook ? { revocationWebhook } : {}),
    ...(options.dataDir ? { dataDir: join(options.dataDir, 'oauth2') } : {}),
    logger: options.logger,
  };
  return background(embedded, options.progress, options.oauth2StartsAfter);
}

function fixed(publicURL: string | undefined, adminURL: string | undefined): OAuth2Part {
  return {
    publicURL,
    adminURL,
    embedded: false,
    starting: () => false,
    start: () => {},
    ready: Promise.resolve(),
    close: async () => {},
  };
}

function background(
  o: EmbeddedOAuth2Options,
  progress: Progress,
  startsAfter?: Promise<unknown>,
): OAuth2Part {
  let state: 'planned' | 'starting' | 'up' | 'failed' = 'planned';
  let server: EmbeddedOAuth2 | undefined;
  let resolveReady!: () => void;
  let rejectReady!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Whoever does not await `ready` (the CLI) hears about a failure through the progress line.
  ready.catch(() => {});
  let running: Promise<void> | undefined;
  const { publicURL, adminURL } = embeddedOAuth2URLs(o);
  return {
    publicURL,
    adminURL,
    embedded: true,
    // Before start() too: the edge is up before the server is asked to start.
    starting: () => state === 'planned' || state === 'starting',
    start() {
      if (state !== 'planned') return;
      state = 'starting';
      // Its done line comes after "Vestibule is up": /oauth2/* answer 503 until then.
      const step = progress.step('oauth2 server (in the background)');
      running = Promise.resolve(startsAfter)
        .then(() => startEmbeddedOAuth2(o))
        .then(
          (started) => {
            server = started;
            state = 'up';
            step.done(`ready at ${started.publicURL} (admin ${started.adminURL})`);
            resolveReady();
          },
          (err: unknown) => {
            state = 'failed';
            // The rest of the stack keeps running; /oauth2/* then say Hydra is unreachable.
            step.fail(`${(err as Error).message} (the /oauth2/* pages will not work)`);
            o.logger.error('embedded oauth2 server failed to start', { error: err });
            rejectReady(err);
          },
        );
    },
    ready,
    async close() {
      if (state === 'planned') {
        state = 'failed';
        rejectReady(new Error('the stack stopped before the OAuth2 server started'));
      }
      await running;
      await server?.close();
    },
  };
}
