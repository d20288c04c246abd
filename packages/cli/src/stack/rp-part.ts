// The relying-party demo ("Sign in with Notes", @vestibule/rp-demo) in the stack. It needs the
// OAuth2 server, so it starts in the background once that is ready (embedded: after "Vestibule is
// up"; a configured Hydra: at once): its client is registered first — the same client id on every
// start, created or overwritten, so a restart never piles up clients — then the RP listens.
import { randomBytes } from 'node:crypto';
import { ResponseError, type OAuth2Client } from '@ory/client-fetch';
import { hydraAdmin } from '../ory/hydra-admin.ts';
import type { Logger } from 'vestibule/edge';
import type * as RPDemo from '@vestibule/rp-demo';
import type { Progress } from '../terminal/progress.ts';
import { localSecret } from './local-secrets.ts';
import type { OAuth2Part } from './oauth2-part.ts';
import { resolvePort } from './ports.ts';

export const RP_CLIENT_ID = 'vestibule-rp-demo';
export const RP_SCOPE = 'openid offline_access email profile notes.read';

export interface RPPartOptions {
  host: string;
  /** Already resolved (not 0): the redirect URIs registered before the RP listens name it. */
  port: number;
  edgeURL: string;
  hydraPublicURL: string;
  hydraAdminURL: string;
  /** Settles when the OAuth2 server is up. */
  oauth2Ready: Promise<void>;
  dataDir?: string;
  progress: Progress;
  logger: Logger;
}

export interface RPPart {
  url: string;
  clientId: () => string;
  /** Settles when the RP listens (resolves) or could not start (rejects). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** The client the RP registers: both loopback spellings, since browsers may use either. */
export function rpClient(port: number, secret: string): OAuth2Client {
  const bases = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  return {
    client_id: RP_CLIENT_ID,
    client_name: 'Notes RP (demo)',
    client_secret: secret,
    redirect_uris: bases.map((b) => `${b}/callback`),
    post_logout_redirect_uris: bases.map((b) => `${b}/logged-out`),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: RP_SCOPE,
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

/** Creates the RP's client, or overwrites it when it exists; returns the id the server kept. */
export async function registerRPClient(adminURL: string, client: OAuth2Client): Promise<string> {
  const api = hydraAdmin(adminURL);
  const id = client.client_id!;
  const exists = await api.getOAuth2Client({ id }).then(
    () => true,
    (err: unknown) => {
      if (err instanceof ResponseError && err.response.status === 404) return false;
      throw err;
    },
  );
  const saved = exists
    ? await api.setOAuth2Client({ id, oAuth2Client: client })
    : await api.createOAuth2Client({ oAuth2Client: client });
  return saved.client_id ?? id;
}

/** What the stack passes (a subset of its options; no import of stack.ts, which imports this). */
export interface RPStackOptions {
  host: string;
  ports: { rp?: number };
  rpDemo?: boolean;
  dataDir?: string;
  progress: Progress;
  logger: Logger;
}

/** The RP demo runs only with an OAuth2 server (embedded or configured), after it is ready. */
export async function planRPDemo(
  options: RPStackOptions,
  oauth2: Pick<OAuth2Part, 'publicURL' | 'adminURL' | 'ready'>,
  edgeURL: string,
): Promise<RPPart | undefined> {
  if (options.rpDemo === false || !oauth2.publicURL || !oauth2.adminURL) return undefined;
  return startRPPart({
    host: options.host,
    port: await resolvePort(options.host, options.ports.rp ?? 0),
    edgeURL,
    hydraPublicURL: oauth2.publicURL,
    hydraAdminURL: oauth2.adminURL,
    oauth2Ready: oauth2.ready,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    progress: options.progress,
    logger: options.logger,
  });
}

export function startRPPart(o: RPPartOptions): RPPart {
  const url = `http://localhost:${o.port}`;
  // Kept under the data dir like the stack's other secrets; per run in memory.
  const secret = o.dataDir
    ? localSecret(o.dataDir, 'rp_client_secret').value
    : randomBytes(24).toString('base64url');
  let clientId = RP_CLIENT_ID;
  let app: RPDemo.RunningRPDemo | undefined;
  let stopped = false;
  const step = o.progress.step('rp demo (after the oauth2 server)');
  // Stopping must not wait for an OAuth2 server that has not started: it closes after us.
  let signalStop = () => {};
  const stopSignal = new Promise<never>((_, reject) => {
    signalStop = () => reject(new Error('the stack stopped before the RP demo started'));
  });
  stopSignal.catch(() => {});
  const ready = Promise.race([o.oauth2Ready, stopSignal])
    .then(async () => {
      clientId = await registerRPClient(o.hydraAdminURL, rpClient(o.port, secret));
      const { startRPDemo } = await loadRPDemo();
      if (stopped) throw new Error('the stack stopped before the RP demo started');
      app = await startRPDemo({
        host: o.host,
        port: o.port,
        publicURL: url,
        issuer: o.hydraPublicURL,
        clientId,
        clientSecret: secret,
        notesAPI: `${o.edgeURL.replace(/\/+$/, '')}/api/notes`,
        scope: RP_SCOPE,
        onError: (err) => o.logger.error('rp demo request failed', { error: err }),
      });
      step.done(`"Sign in with Notes" at ${url} (client ${clientId})`);
    })
    .catch((err: unknown) => {
      // Stopped before it started (Ctrl-C right after "up"): a cancellation, not a failure — like
      // the OAuth2 server it waited for, it leaves no line between "stopping" and "stopped".
      if (!stopped) step.fail(`${(err as Error).message} (the RP demo is not running)`);
      throw err;
    });
  // Whoever does not await `ready` (the CLI) hears about a failure through the progress line.
  ready.catch(() => {});
  return {
    url,
    clientId: () => clientId,
    ready,
    async close() {
      stopped = true;
      signalStop();
      await ready.catch(() => {});
      await app?.close();
    },
  };
}

/** An optional peer like the notes demo app: the stack runs without it. */
async function loadRPDemo(): Promise<typeof RPDemo> {
  try {
    return await import('@vestibule/rp-demo');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error('the RP demo (@vestibule/rp-demo) is not installed', { cause: err });
  }
}
