// Hydra's admin API through the official SDK, for the commands, the stack and doctor (`oauth2
// clients`, the RP demo's client registration, doctor's redirect probe): one place that turns an
// admin URL into a client.
import { Configuration, OAuth2Api, ResponseError } from '@ory/client-fetch';

export interface HydraAdminOptions {
  /**
   * Deadline of each call, as an AbortSignal (doctor probes a Hydra that may hang). A call that
   * passes its own signal keeps it. Default: none.
   */
  timeoutMs?: number;
}

export function hydraAdmin(adminURL: string, options: HydraAdminOptions = {}): OAuth2Api {
  const { timeoutMs } = options;
  return new OAuth2Api(
    new Configuration({
      basePath: adminURL.replace(/\/+$/, ''),
      ...(timeoutMs === undefined
        ? {}
        : {
            fetchApi: (input, init) =>
              fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) }),
          }),
    }),
  );
}

/**
 * An SDK error as one line: `HTTP <status>: <start of the body>` for an error answer, else the
 * cause (refused connection, timeout) the SDK wrapped.
 */
export async function hydraAdminErrorMessage(err: unknown): Promise<string> {
  if (err instanceof ResponseError) {
    const body = await err.response.text().catch(() => '');
    return `HTTP ${err.response.status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  }
  const cause = (err as Error)?.cause as Error | undefined;
  return (cause?.message ?? (err as Error)?.message ?? String(err)).slice(0, 200);
}
