// What a flow was started with (return_to, refresh, aal, login_challenge, ...) must survive a restart
// (CSRF violation, expired or unknown flow). Kratos sends the browser to `/login?flow=<id>` only, so
// the page URL rarely carries them, and a failed fetch returns no flow to read them from. The pages
// remember them in a short-lived, HMAC-signed cookie per flow type:
// - when they start a flow themselves (`/login?return_to=…` → init): not yet bound to a flow id;
// - when they render a flow: the parameters of Kratos's own `request_url`, bound to that flow id.
// A restart uses the page URL's parameters when it has any, else the remembered ones (bound to this
// flow id, or unbound), else what Kratos put in the error (410 `details.return_to`). Kratos validates
// every parameter again when the new flow is initialised; the signature only keeps other sites'
// cookies (a sibling subdomain can set cookies for us) from steering a restart.
import { readCookie } from '../lib/cookies.ts';
import { createCookieSigner } from './cookie-signer.ts';
import { INIT_PARAMS } from './routes.ts';
import { FLOW_TYPES, type FlowType } from './ui/flow-types.ts';

/** Unbound: bridges one start (init → Kratos → `/login?flow=`). Bound: a flow's lifetime (Kratos's default 1 h). */
const UNBOUND_MAX_AGE_MS = 10 * 60_000;
const BOUND_MAX_AGE_MS = 60 * 60_000;
/** Longer is not remembered (a cookie must stay under 4 KiB); the restart then keeps what the URL has. */
const MAX_QUERY_CHARS = 2048;
/** We never quote this cookie: a quoted copy is not one we set, so it is read exactly as sent. */
const AS_SET = { unquote: false } as const;

export function flowContextCookieName(flowType: FlowType): string {
  return `vestibule_flow_${flowType}`;
}

/** The init parameters Kratos understands for this flow, in a canonical order; others dropped. */
export function pickInitParams(flowType: FlowType, source: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of INIT_PARAMS[flowType]) {
    const value = source.get(key);
    if (value !== null && value !== '' && value.length <= MAX_QUERY_CHARS) out.set(key, value);
  }
  return out;
}

/** The init parameters recorded in a flow's `request_url` (Kratos keeps the init URL there). */
export function initParamsOfFlow(flowType: FlowType, requestURL: unknown): URLSearchParams {
  if (typeof requestURL !== 'string' || !URL.canParse(requestURL)) return new URLSearchParams();
  return pickInitParams(flowType, new URL(requestURL).searchParams);
}

export interface FlowContextOptions {
  secret: Buffer;
  now: () => number;
}

export function createFlowContext(options: FlowContextOptions) {
  const signer = createCookieSigner(options.secret, 'vestibule/pages/flow-context/v1');

  function cookie(flowType: FlowType, value: string, maxAgeMs: number, secure: boolean): string {
    const maxAge = Math.ceil(maxAgeMs / 1000);
    return `${flowContextCookieName(flowType)}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  return {
    /**
     * Set-Cookie remembering `params` for `flowType` (bound to `flowId` when given). Undefined when
     * there is nothing to remember and nothing to clear.
     */
    remember(
      flowType: FlowType,
      params: URLSearchParams,
      flowId: string | undefined,
      ctx: { cookie: string | null; secure: boolean },
    ): string | undefined {
      const query = params.toString();
      if (query === '' || query.length > MAX_QUERY_CHARS) {
        const present = readCookie(ctx.cookie, flowContextCookieName(flowType), AS_SET) !== null;
        return present ? cookie(flowType, '', 0, ctx.secure) : undefined;
      }
      const payload = Buffer.from(
        JSON.stringify({ t: flowType, f: flowId ?? '', q: query, at: options.now() }),
      ).toString('base64url');
      const maxAge = flowId ? BOUND_MAX_AGE_MS : UNBOUND_MAX_AGE_MS;
      return cookie(flowType, `${payload}.${signer.sign(payload)}`, maxAge, ctx.secure);
    },

    /** The remembered parameters for this flow (bound to `flowId`, or unbound), if still valid. */
    recall(
      flowType: FlowType,
      flowId: string | undefined,
      cookieHeader: string | null,
    ): URLSearchParams | undefined {
      return read(flowType, flowId, cookieHeader)?.params;
    },

    /**
     * The flow the pages started most recently and that has not rendered yet (an unbound memory):
     * what a browser-init error forwarded to /error belongs to, since Kratos stores no flow type.
     */
    latestStart(
      cookieHeader: string | null,
    ): { flowType: FlowType; params: URLSearchParams } | undefined {
      let latest: { flowType: FlowType; params: URLSearchParams; at: number } | undefined;
      for (const flowType of FLOW_TYPES) {
        const found = read(flowType, undefined, cookieHeader);
        if (found && (!latest || found.at > latest.at)) latest = { flowType, ...found };
      }
      return latest && { flowType: latest.flowType, params: latest.params };
    },
  };

  function read(
    flowType: FlowType,
    flowId: string | undefined,
    cookieHeader: string | null,
  ): { params: URLSearchParams; at: number } | undefined {
    const raw = readCookie(cookieHeader, flowContextCookieName(flowType), AS_SET);
    const match = raw && /^([A-Za-z0-9_-]{1,4000})\.([A-Za-z0-9_-]{43})$/.exec(raw);
    if (!match) return undefined;
    const [, payload, mac] = match as unknown as [string, string, string];
    if (!signer.verify(payload, mac)) return undefined;
    let value: { t?: unknown; f?: unknown; q?: unknown; at?: unknown };
    try {
      value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof value;
    } catch {
      return undefined;
    }
    if (value.t !== flowType || typeof value.q !== 'string' || typeof value.at !== 'number')
      return undefined;
    const bound = typeof value.f === 'string' && value.f !== '' ? value.f : undefined;
    if (bound !== undefined && bound !== flowId) return undefined;
    const age = options.now() - value.at;
    if (age < 0 || age >= (bound ? BOUND_MAX_AGE_MS : UNBOUND_MAX_AGE_MS)) return undefined;
    return { params: pickInitParams(flowType, new URLSearchParams(value.q)), at: value.at };
  }
}

export type FlowContext = ReturnType<typeof createFlowContext>;
