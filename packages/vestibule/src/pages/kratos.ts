// Kratos calls of the pages, through the official SDK (`@ory/client-fetch`). The `...Raw` methods keep
// the raw JSON: the generated models drop fields they do not know, and pages render from raw JSON.
// Transport goes through callOutbound (timeout, redirect: 'manual', typed KratosUnavailable).
import type { ApiResponse, FrontendApi } from '@ory/client-fetch';
import { callOutbound, type FetchLike } from '../lib/outbound.ts';
import { VestibuleError } from '../lib/errors.ts';
import { loadOrySDK } from './ory-sdk.ts';
import type { FlowType } from './ui/flow-types.ts';

export type KratosResult =
  { ok: true; body: unknown } | { ok: false; status: number; body: unknown };

export interface PagesKratosClient {
  getFlow(flowType: FlowType, id: string, cookie: string | undefined): Promise<KratosResult>;
  createLogoutFlow(cookie: string | undefined, returnTo: string | undefined): Promise<KratosResult>;
  getFlowError(id: string): Promise<KratosResult>;
}

export function createPagesKratosClient(options: {
  basePath: string;
  fetch: FetchLike | undefined;
  timeoutMs: number;
}): PagesKratosClient {
  const fetchApi: FetchLike = (input, init) =>
    callOutbound(input as string, init ?? {}, {
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      service: 'kratos',
    });
  // The SDK is imported by the first page that calls Kratos (pages/ory-sdk.ts).
  let api: FrontendApi | undefined;
  const frontend = async () => {
    if (api) return api;
    const { Configuration, FrontendApi } = await loadOrySDK();
    return (api = new FrontendApi(new Configuration({ basePath: options.basePath, fetchApi })));
  };

  const getters: Record<
    FlowType,
    (api: FrontendApi, id: string, cookie?: string) => Promise<ApiResponse<unknown>>
  > = {
    login: (api, id, cookie) => api.getLoginFlowRaw({ id, cookie }),
    registration: (api, id, cookie) => api.getRegistrationFlowRaw({ id, cookie }),
    recovery: (api, id, cookie) => api.getRecoveryFlowRaw({ id, cookie }),
    verification: (api, id, cookie) => api.getVerificationFlowRaw({ id, cookie }),
    settings: (api, id, cookie) => api.getSettingsFlowRaw({ id, cookie }),
  };

  return {
    // The browser's whole Cookie header is forwarded: Kratos checks the flow's CSRF cookie on fetch
    // (403 security_csrf_violation without it) and settings needs the session cookie.
    getFlow: (flowType, id, cookie) =>
      settle(async () => getters[flowType](await frontend(), id, cookie || undefined)),
    createLogoutFlow: (cookie, returnTo) =>
      settle(async () =>
        (await frontend()).createBrowserLogoutFlowRaw({ cookie: cookie || undefined, returnTo }),
      ),
    getFlowError: (id) => settle(async () => (await frontend()).getFlowErrorRaw({ id })),
  };
}

async function settle(call: () => Promise<ApiResponse<unknown>>): Promise<KratosResult> {
  // Loaded before the call: a failed load is thrown as is (500), never read as Kratos's answer.
  const { FetchError, ResponseError } = await loadOrySDK();
  try {
    const response = await call();
    return { ok: true, body: await readJSON(response.raw, true) };
  } catch (err) {
    if (err instanceof ResponseError) {
      return { ok: false, status: err.response.status, body: await readJSON(err.response, false) };
    }
    // The SDK wraps transport failures in FetchError; ours (KratosUnavailable) is the cause.
    if (err instanceof FetchError && err.cause instanceof VestibuleError) throw err.cause;
    throw err;
  }
}

async function readJSON(response: Response, required: boolean): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch (err) {
    if (!required) return undefined;
    throw new VestibuleError(
      'KRATOS_BAD_RESPONSE',
      'kratos answered with a body that is not JSON',
      {
        status: 502,
        cause: err,
      },
    );
  }
}
