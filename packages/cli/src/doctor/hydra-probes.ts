// The live half of doctor's Hydra checks: health and version of the public and admin APIs, the
// admin API not answering on a public host, discovery's issuer, and where Hydra sends a browser to
// log in and to consent (hydra-redirects.ts).
// The demo stack starts its embedded OAuth2 server after the edge: while the edge says it is still
// starting, doctor waits for it (bounded) and otherwise reports it as starting, not as down.
import type { EdgeConfig } from 'vestibule/config';
import { isLoopbackHost, type HydraLive, type Reachability } from './facts.ts';
import { get, reason } from './probes.ts';
import { probeRedirects } from './hydra-redirects.ts';

export interface HydraProbeOptions {
  timeoutMs: number;
  /** How long to wait for an OAuth2 server the edge reports as starting (0: do not wait). */
  startWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const POLL_MS = 250;

async function probeHealth(base: string, timeoutMs: number, withVersion: boolean) {
  try {
    for (const path of ['/health/alive', '/health/ready']) {
      const response = await get(`${base}${path}`, timeoutMs);
      await response.body?.cancel();
      if (response.status !== 200)
        return {
          ok: false,
          status: response.status,
          error: `HTTP ${response.status} from ${path}`,
        };
    }
    const version = withVersion
      ? await get(`${base}/version`, timeoutMs)
          .then(async (r) =>
            r.ok ? ((await r.json()) as { version?: string }).version : undefined,
          )
          .catch(() => undefined)
      : undefined;
    return { ok: true, status: 200, ...(version ? { version } : {}) } satisfies Reachability;
  } catch (err) {
    return { ok: false, error: reason(err) } satisfies Reachability;
  }
}

/** The edge answers its /oauth2/* pages with 503 + Retry-After while its OAuth2 server starts. */
async function edgeSaysStarting(config: EdgeConfig, timeoutMs: number): Promise<boolean> {
  try {
    const response = await get(`${config.server.public_url}/oauth2/error`, timeoutMs);
    await response.body?.cancel();
    return response.status === 503 && response.headers.has('retry-after');
  } catch {
    return false;
  }
}

/** Hydra's admin API must not answer on the edge's public host, nor on Hydra's public host. */
async function probeAdminExposure(
  config: EdgeConfig,
  publicURL: string | undefined,
  adminURL: string,
  timeoutMs: number,
): Promise<string[]> {
  const admin = new URL(adminURL);
  const port = admin.port || (admin.protocol === 'https:' ? '443' : '80');
  const hosts = [config.server.public_url, publicURL]
    .flatMap((u) => (u ? [new URL(u).hostname] : []))
    .filter((host) => !isLoopbackHost(host) && host !== admin.hostname);
  const candidates = [
    // The public listener itself serving admin routes (one port for both).
    ...(publicURL && new URL(publicURL).host !== admin.host ? [`${publicURL}/admin/clients`] : []),
    ...[...new Set(hosts)].map((host) => `${admin.protocol}//${host}:${port}/admin/clients`),
  ];
  const answers = await Promise.all(
    candidates.map(async (url) => {
      try {
        const response = await get(url, timeoutMs, { accept: 'application/json' });
        const text = await response.text();
        return response.status === 200 && text.trimStart().startsWith('[');
      } catch {
        return false;
      }
    }),
  );
  return candidates.filter((_, i) => answers[i]);
}

async function readIssuer(publicURL: string, timeoutMs: number): Promise<HydraLive['discovery']> {
  try {
    const response = await get(`${publicURL}/.well-known/openid-configuration`, timeoutMs);
    if (response.status !== 200) {
      await response.body?.cancel();
      return { error: `HTTP ${response.status} from /.well-known/openid-configuration` };
    }
    const { issuer } = (await response.json()) as { issuer?: unknown };
    return typeof issuer === 'string' ? { issuer } : { error: 'discovery has no issuer' };
  } catch (err) {
    return { error: reason(err) };
  }
}

export async function probeHydra(
  config: EdgeConfig,
  options: HydraProbeOptions,
): Promise<HydraLive | undefined> {
  const publicURL = config.hydra.public_url?.replace(/\/+$/, '');
  const adminURL = config.hydra.admin_url?.replace(/\/+$/, '');
  if (!publicURL && !adminURL) return undefined;
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const health = (base: string | undefined, withVersion: boolean) =>
    base
      ? probeHealth(base, options.timeoutMs, withVersion)
      : Promise.resolve({ ok: false, error: 'not configured' } satisfies Reachability);
  let publicHealth = await health(publicURL, false);
  let starting = false;
  if (!publicHealth.ok) {
    starting = await edgeSaysStarting(config, options.timeoutMs);
    // It may have come up between the two probes (the edge no longer says "starting"): ask once
    // more before reporting it down.
    if (!starting) publicHealth = await health(publicURL, false);
  }
  if (starting) {
    // Counted in polls rather than read off the clock: the wait is testable with a fake sleep.
    for (let poll = 0; starting && poll < Math.ceil((options.startWaitMs ?? 0) / POLL_MS); poll++) {
      await sleep(POLL_MS);
      publicHealth = await health(publicURL, false);
      starting = !publicHealth.ok && (await edgeSaysStarting(config, options.timeoutMs));
    }
  }
  const [adminHealth, adminExposedAt, discovery] = await Promise.all([
    health(adminURL, true),
    adminURL
      ? probeAdminExposure(config, publicURL, adminURL, options.timeoutMs)
      : Promise.resolve([]),
    publicURL && publicHealth.ok ? readIssuer(publicURL, options.timeoutMs) : undefined,
  ]);
  const redirects =
    publicURL && adminURL && publicHealth.ok && adminHealth.ok
      ? await probeRedirects(publicURL, adminURL, options.timeoutMs)
      : undefined;
  return {
    ...(publicURL ? { publicURL } : {}),
    ...(adminURL ? { adminURL } : {}),
    ...(starting ? { starting } : {}),
    public: publicHealth,
    admin: adminHealth,
    adminExposedAt,
    ...(discovery ? { discovery } : {}),
    ...redirects,
  };
}
