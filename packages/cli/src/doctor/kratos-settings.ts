// Kratos's settings as doctor needs them: read from a kratos.yml (Kratos's own keys), or learned
// from the live Kratos — a browser flow redirects to its `ui_url`, an API flow's `ui.action` starts
// with `serve.public.base_url`. What neither shows stays unknown and its checks are skipped.
import type { FlowName, KratosSettings } from './facts.ts';

type Obj = Record<string, unknown>;

const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Obj)[key] : undefined),
    value,
  );
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;

const FLOWS: FlowName[] = ['login', 'registration', 'recovery', 'verification', 'settings'];

/** Every `web_hook` hook's URL, wherever it sits under selfservice.flows. */
function webHookURLs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(webHookURLs);
  if (!node || typeof node !== 'object') return [];
  const hook = node as Obj;
  const own =
    hook.hook === 'web_hook'
      ? [str(at(hook, 'config', 'url'))].filter((u): u is string => !!u)
      : [];
  return [...own, ...Object.values(hook).flatMap(webHookURLs)];
}

export function settingsFromKratosConfig(config: unknown, source: string): KratosSettings {
  const flows = at(config, 'selfservice', 'flows');
  const uiURLs: KratosSettings['uiURLs'] = {};
  for (const flow of [...FLOWS, 'error' as const]) {
    const url = str(at(flows, flow, 'ui_url'));
    if (url) uiURLs[flow] = url;
  }
  const cookie = strings(at(config, 'secrets', 'cookie'));
  const cipher = strings(at(config, 'secrets', 'cipher'));
  const smtp = at(config, 'courier', 'smtp', 'connection_uri');
  const settings: KratosSettings = {
    source,
    uiURLs,
    // Kratos's default name when the file does not set one.
    sessionCookieName: str(at(config, 'session', 'cookie', 'name')) ?? 'ory_kratos_session',
    webHookURLs: webHookURLs(flows),
  };
  const optional: Partial<KratosSettings> = {
    publicBaseURL: str(at(config, 'serve', 'public', 'base_url')),
    defaultReturnURL: str(at(config, 'selfservice', 'default_browser_return_url')),
    allowedReturnURLs: strings(at(config, 'selfservice', 'allowed_return_urls')),
    verificationEnabled: at(flows, 'verification', 'enabled') as boolean | undefined,
    cookieDomain:
      str(at(config, 'session', 'cookie', 'domain')) ?? str(at(config, 'cookies', 'domain')),
    sameSite:
      str(at(config, 'session', 'cookie', 'same_site')) ?? str(at(config, 'cookies', 'same_site')),
    secrets: cookie || cipher ? { cookie: cookie ?? [], cipher: cipher ?? [] } : undefined,
    smtpURI: typeof smtp === 'string' ? smtp : undefined,
    oauth2ProviderURL: str(at(config, 'oauth2_provider', 'url')),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (settings as unknown as Obj)[key] = value;
  }
  return settings;
}

/** What a live Kratos shows of its settings through its public API. */
export async function learnKratosSettings(
  publicURL: string,
  timeoutMs = 3_000,
): Promise<Pick<KratosSettings, 'uiURLs' | 'publicBaseURL'>> {
  const uiURLs: KratosSettings['uiURLs'] = {};
  const signal = () => AbortSignal.timeout(timeoutMs);
  await Promise.all(
    (['login', 'registration', 'recovery', 'verification'] as const).map(async (flow) => {
      const response = await fetch(`${publicURL}/self-service/${flow}/browser`, {
        redirect: 'manual',
        signal: signal(),
      }).catch(() => undefined);
      const location = response?.headers.get('location');
      await response?.body?.cancel();
      if (!location || !URL.canParse(location, publicURL)) return;
      const url = new URL(location, publicURL);
      if (url.pathname.includes('/self-service/')) return; // an error redirect, not the UI
      uiURLs[flow] = `${url.origin}${url.pathname}`;
    }),
  );
  const flow = await fetch(`${publicURL}/self-service/registration/api`, { signal: signal() })
    .then((r) => (r.ok ? (r.json() as Promise<{ ui?: { action?: string } }>) : undefined))
    .catch(() => undefined);
  const action = flow?.ui?.action;
  const base = action?.replace(/self-service\/registration.*$/, '');
  return { uiURLs, ...(base && base !== action ? { publicBaseURL: base } : {}) };
}
