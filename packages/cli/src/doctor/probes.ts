// The live half of `vestibule doctor`: HTTP probes of Kratos, the edge and the upstreams, a
// registration flow started through the proxy as a browser would, the identities' roles, and a TCP
// connect to the courier's SMTP server. Each probe has a deadline and never throws: a failure is a
// fact for the checks to judge.
import { connect } from 'node:net';
import type { EdgeConfig } from 'vestibule/config';
import { kratosAdmin, nextPageToken, roleOf } from '../ory/kratos-admin.ts';
import { isLoopbackHost, type FlowProbe, type LiveFacts, type Reachability } from './facts.ts';

export interface ProbeOptions {
  timeoutMs?: number;
  /** Local time, injectable so the clock-skew judgement is testable. */
  now?: () => number;
  /** More URLs whose host a browser must not see (Kratos's own base_url, learned live). */
  internalURLs?: string[];
  /** How long to wait for an OAuth2 server the edge reports as starting (default 20 s). */
  hydraStartWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function get(url: string, timeoutMs: number, headers: Record<string, string> = {}) {
  return fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
}

export function reason(err: unknown): string {
  const cause = (err as Error)?.cause as Error | undefined;
  return (cause?.message ?? (err as Error)?.message ?? String(err)).slice(0, 200);
}

/** `/health/alive` answers 200; `/version` adds the version when the service has it. */
async function probeKratos(base: string | undefined, timeoutMs: number): Promise<Reachability> {
  if (!base) return { ok: false, error: 'no URL configured' };
  try {
    const alive = await get(`${base}/health/alive`, timeoutMs);
    if (alive.status !== 200)
      return { ok: false, status: alive.status, error: `HTTP ${alive.status} from /health/alive` };
    const version = await get(`${base}/version`, timeoutMs)
      .then(async (r) => (r.ok ? ((await r.json()) as { version?: string }).version : undefined))
      .catch(() => undefined);
    return { ok: true, status: 200, ...(version ? { version } : {}) };
  } catch (err) {
    return { ok: false, error: reason(err) };
  }
}

/** Any HTTP answer counts: the app may well answer 404 at its root. */
async function probeAnyAnswer(url: string, timeoutMs: number): Promise<Reachability> {
  try {
    const response = await get(url, timeoutMs);
    await response.body?.cancel();
    return { ok: true, status: response.status };
  } catch (err) {
    return { ok: false, error: reason(err) };
  }
}

async function adminAnswersAt(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await get(url, timeoutMs, { accept: 'application/json' });
    const text = await response.text();
    return response.status === 200 && text.trimStart().startsWith('[');
  } catch {
    return false;
  }
}

/** The admin API must answer neither through the proxy nor on the public host at its own port. */
async function probeAdminExposure(config: EdgeConfig, timeoutMs: number): Promise<string[]> {
  const candidates = [`${config.server.public_url}${config.proxy.prefix}/admin/identities`];
  const publicURL = new URL(config.server.public_url);
  if (config.kratos.admin_url && !isLoopbackHost(publicURL.hostname)) {
    const admin = new URL(config.kratos.admin_url);
    const port = admin.port || (admin.protocol === 'https:' ? '443' : '80');
    candidates.push(`${admin.protocol}//${publicURL.hostname}:${port}/admin/identities`);
  }
  const answers = await Promise.all(candidates.map((url) => adminAnswersAt(url, timeoutMs)));
  return candidates.filter((_, i) => answers[i]);
}

/** Hosts a browser must never see: where the edge reaches Kratos, unless that is the public host. */
export function internalHosts(config: EdgeConfig, more: readonly string[] = []): string[] {
  const publicHost = new URL(config.server.public_url).host;
  const urls = [
    config.kratos.public_url,
    config.kratos.admin_url,
    config.kratos.browser_url,
    ...more,
  ];
  const hosts = urls.flatMap((u) => (u && URL.canParse(u) ? [new URL(u).host] : []));
  return [...new Set(hosts)].filter((h) => h !== publicHost);
}

export async function probeRegistrationFlow(
  config: EdgeConfig,
  options: Required<Pick<ProbeOptions, 'timeoutMs' | 'now'>> & Pick<ProbeOptions, 'internalURLs'>,
): Promise<FlowProbe> {
  const url = `${config.server.public_url}${config.proxy.prefix}/self-service/registration/browser`;
  try {
    const response = await get(url, options.timeoutMs, { accept: 'application/json' });
    const receivedAt = options.now();
    const body = await response.text();
    const setCookies = response.headers.getSetCookie();
    if (response.status !== 200) {
      return {
        status: response.status,
        setCookies,
        leaks: [],
        error: `HTTP ${response.status} from ${url}`,
      };
    }
    const flow = JSON.parse(body) as { ui?: { action?: string }; issued_at?: string };
    const headerText = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    const leaks = internalHosts(config, options.internalURLs).flatMap((host) => [
      ...(body.includes(host) ? [`${host} in the body`] : []),
      ...(headerText.includes(host) ? [`${host} in the headers`] : []),
    ]);
    const issued = flow.issued_at ? Date.parse(flow.issued_at) : Number.NaN;
    return {
      status: response.status,
      ...(flow.ui?.action ? { action: flow.ui.action } : {}),
      setCookies,
      leaks,
      ...(Number.isNaN(issued) ? {} : { clockSkewMs: issued - receivedAt }),
    };
  } catch (err) {
    return { status: 0, setCookies: [], leaks: [], error: reason(err) };
  }
}

async function identityRoles(
  adminURL: string | undefined,
  timeoutMs: number,
): Promise<string[] | undefined> {
  if (!adminURL) return undefined;
  const admin = kratosAdmin({ adminURL, publicURL: '', source: 'vestibule.yml' }, timeoutMs);
  const roles = new Set<string>();
  try {
    let pageToken: string | undefined;
    for (let page = 0; page < 40; page++) {
      const response = await admin.identities.listIdentitiesRaw({
        pageSize: 250,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const identity of await response.value())
        if (roleOf(identity)) roles.add(roleOf(identity));
      pageToken = nextPageToken(response.raw.headers.get('link'));
      if (!pageToken) break;
    }
    return [...roles];
  } catch {
    return undefined;
  }
}

export function probeSMTP(
  uri: string,
  timeoutMs: number,
): Promise<Reachability & { address: string }> {
  const url = new URL(uri);
  const port = Number(url.port || (url.protocol === 'smtps:' ? 465 : 25));
  const address = `${url.hostname}:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (result: Reachability) => {
      socket.destroy();
      resolve({ ...result, address });
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, error: 'timed out' }));
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err) => done({ ok: false, error: err.message }));
  });
}

export async function probeLive(
  config: EdgeConfig,
  smtpURI: string | undefined,
  options: ProbeOptions = {},
): Promise<LiveFacts> {
  const o = {
    timeoutMs: options.timeoutMs ?? 3_000,
    now: options.now ?? Date.now,
    internalURLs: options.internalURLs ?? [],
  };
  const upstreamURLs = [
    ...(config.gateway.upstream_url ? [config.gateway.upstream_url] : []),
    ...config.gateway.upstream_secrets.map((u) => u.upstream),
  ];
  const [kratosPublic, kratosAdmin, adminExposedAt, edge, upstreams, registration, roles, smtp] =
    await Promise.all([
      probeKratos(config.kratos.public_url, o.timeoutMs),
      probeKratos(config.kratos.admin_url, o.timeoutMs),
      probeAdminExposure(config, o.timeoutMs),
      probeAnyAnswer(`${config.server.public_url}/health`, o.timeoutMs).then((r) =>
        r.ok && r.status !== 200
          ? { ok: false, status: r.status, error: `HTTP ${r.status} from /health` }
          : r,
      ),
      Promise.all(
        upstreamURLs.map(async (url) => ({
          url,
          reachability: await probeAnyAnswer(url, o.timeoutMs),
        })),
      ),
      probeRegistrationFlow(config, o),
      identityRoles(config.kratos.admin_url, o.timeoutMs),
      smtpURI ? probeSMTP(smtpURI, o.timeoutMs) : Promise.resolve(undefined),
    ]);
  return {
    kratosPublic,
    kratosAdmin,
    adminExposedAt,
    edge,
    upstreams,
    ...(edge.ok ? { registration } : {}),
    ...(roles ? { identityRoles: roles } : {}),
    ...(smtp ? { smtp } : {}),
  };
}
