// The `web_hook` hook's configuration (Kratos selfServiceWebHook in config.schema.json, read by
// request/config.go and selfservice/hook/web_hook.go). Checked once at startup so a hook that could
// never behave as configured stops the server instead of failing every flow later.
import { ConfigError, type ConfigWarning } from './check.ts';

export type WebHookAuth =
  | { type: 'api_key'; name: string; value: string; in: 'header' | 'cookie' }
  | { type: 'basic_auth'; user: string; password: string };

export interface WebHookConfig {
  /** For logs only (Kratos: config.id). */
  id?: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  auth?: WebHookAuth;
  /** Deprecated in Kratos in favour of response.parse; either lets a 4xx answer interrupt. */
  can_interrupt: boolean;
  response: { ignore: boolean; parse: boolean };
}

/** A hook list entry as written in kratos.yml, with the web_hook config checked. */
export interface HookEntry {
  hook: string;
  web_hook?: WebHookConfig;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function str(node: Record<string, unknown>, name: string, key: string): string {
  const v = node[name];
  if (typeof v !== 'string' || v === '') throw new ConfigError(`${key}.${name}`, 'required string');
  return v;
}

function bool(node: Record<string, unknown>, name: string, key: string): boolean {
  const v = node[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ConfigError(`${key}.${name}`, 'expected true or false');
  return v;
}

const FORBIDDEN_METHODS = ['CONNECT', 'TRACE', 'TRACK'];

export function checkWebHookConfig(raw: unknown, key: string): WebHookConfig {
  if (!isObject(raw)) throw new ConfigError(key, 'a web_hook needs a config with url and method');
  const url = str(raw, 'url', key);
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(`${key}.url`, `expected an http(s) URL, got ${JSON.stringify(url)}`);
  }
  const method = str(raw, 'method', key).toUpperCase();
  // fetch cannot send these (forbidden methods), so the hook could never fire.
  if (!/^[!#$%&'*+.^_`|~0-9A-Z-]+$/.test(method) || FORBIDDEN_METHODS.includes(method)) {
    throw new ConfigError(
      `${key}.method`,
      `${JSON.stringify(method)} cannot be sent by a web_hook`,
    );
  }
  if (raw.body !== undefined) {
    // Kratos renders `body` with Jsonnet; sending anything else would silently change what the
    // receiver gets, so the embedded server refuses instead.
    throw new ConfigError(
      `${key}.body`,
      'Jsonnet request bodies are not supported by the embedded identity server; remove `body` to send the hook without one, or run real Kratos',
    );
  }
  const response = raw.response ?? {};
  if (!isObject(response)) throw new ConfigError(`${key}.response`, 'expected an object');
  const ignore = bool(response, 'ignore', `${key}.response`);
  const parse = bool(response, 'parse', `${key}.response`);
  const canInterrupt = bool(raw, 'can_interrupt', key);
  // Kratos's schema forbids it and web_hook.go fails the flow with a 500 if it slips through.
  if (ignore && (parse || canInterrupt)) {
    throw new ConfigError(
      `${key}.response.ignore`,
      'a web_hook cannot ignore its response and also parse it or interrupt the flow',
    );
  }
  return {
    ...(typeof raw.id === 'string' ? { id: raw.id } : {}),
    url,
    method,
    headers: checkHeaders(raw.headers, `${key}.headers`),
    ...(raw.auth === undefined ? {} : { auth: checkAuth(raw.auth, `${key}.auth`) }),
    can_interrupt: canInterrupt,
    response: { ignore, parse },
  };
}

function checkHeaders(raw: unknown, key: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw new ConfigError(key, 'expected a map of header names to strings');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw new ConfigError(`${key}.${name}`, 'expected a string');
    out[name] = value;
  }
  try {
    new Headers(out); // a name or value no HTTP request can carry fails here, not on every call
  } catch {
    throw new ConfigError(key, 'contains a header name or value that cannot be sent');
  }
  return out;
}

function checkAuth(raw: unknown, key: string): WebHookAuth {
  if (!isObject(raw) || !isObject(raw.config)) {
    throw new ConfigError(key, 'expected { type, config }');
  }
  const config = raw.config;
  if (raw.type === 'api_key') {
    const where = config.in;
    if (where !== 'header' && where !== 'cookie') {
      throw new ConfigError(`${key}.config.in`, 'expected header or cookie');
    }
    const name = str(config, 'name', `${key}.config`);
    const value = str(config, 'value', `${key}.config`);
    try {
      new Headers([[name, value]]); // sent as a header or inside the Cookie header
    } catch {
      throw new ConfigError(`${key}.config`, 'the api key name or value cannot be sent');
    }
    return { type: 'api_key', name, value, in: where };
  }
  if (raw.type === 'basic_auth') {
    const password = config.password;
    if (typeof password !== 'string') {
      throw new ConfigError(`${key}.config.password`, 'required string');
    }
    return { type: 'basic_auth', user: str(config, 'user', `${key}.config`), password };
  }
  throw new ConfigError(`${key}.type`, 'expected api_key or basic_auth');
}

export type WebHookFlow = 'login' | 'registration' | 'settings' | 'recovery' | 'verification';
const WEB_HOOK_FLOWS: readonly WebHookFlow[] = [
  'login',
  'registration',
  'settings',
  'recovery',
  'verification',
];

/**
 * A flow's web hooks: `before` (before.hooks) and `after` by method, `global` being after.hooks.
 * An `after` key is present exactly when that hook list is non-empty, because Kratos runs a
 * method's own list and falls back to the global one only when the method lists no hook at all.
 */
export interface FlowWebHooks {
  before: WebHookConfig[];
  after: Record<string, WebHookConfig[]>;
}

type Entries = Array<{ hook: string; config?: unknown }> | undefined;

function webHooksIn(entries: Entries, key: string, warnings: ConfigWarning[]): WebHookConfig[] {
  return (entries ?? []).flatMap((entry, i) => {
    if (entry.hook !== 'web_hook') return [];
    const hook = checkWebHookConfig(entry.config, `${key}[${i}].config`);
    // Kratos's request builder refuses to build a request without a body template (TRACE aside,
    // refused above): such a hook fails on every call there.
    warnings.push({
      code: 'differs_from_kratos',
      key: `${key}[${i}].config.body`,
      message:
        'this web_hook has no body: the embedded server sends it with an empty body, but real Kratos fails the hook ("got empty template path for request with body"); add a Jsonnet `body` before running real Kratos',
    });
    return [hook];
  });
}

/** Reads every flow's web hooks from the checked `selfservice.flows` tree. */
export function webHooksOf(
  flows: Record<string, unknown>,
  warnings: ConfigWarning[],
): Record<WebHookFlow, FlowWebHooks> {
  const out = {} as Record<WebHookFlow, FlowWebHooks>;
  for (const name of WEB_HOOK_FLOWS) {
    const node = (flows[name] ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const base = `selfservice.flows.${name}`;
    const after: Record<string, WebHookConfig[]> = {};
    const afterNode = node.after ?? {};
    if ((afterNode.hooks as Entries)?.length) {
      after.global = webHooksIn(afterNode.hooks as Entries, `${base}.after.hooks`, warnings);
    }
    for (const [method, value] of Object.entries(afterNode)) {
      const entries = isObject(value) ? (value.hooks as Entries) : undefined;
      if (entries?.length)
        after[method] = webHooksIn(entries, `${base}.after.${method}.hooks`, warnings);
    }
    const before = webHooksIn(node.before?.hooks as Entries, `${base}.before.hooks`, warnings);
    out[name] = { before, after };
  }
  return out;
}
