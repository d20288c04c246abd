// `/health` answers as soon as the edge serves requests (liveness); `/health/ready` also asks the parts
// whether Kratos and the upstream answer, so a load balancer can hold traffic until they do.

/**
 * One part's readiness: answers (true), does not (false), or is an embedded server still starting
 * in the background (`'starting'`): the rest of the edge serves meanwhile (its own routes answer 503
 * with Retry-After), so it does not hold the whole edge's traffic.
 */
export type ReadinessCheck = boolean | 'starting';

export async function healthResponse(
  pathname: string,
  ready: (() => Promise<Record<string, ReadinessCheck>>) | undefined,
): Promise<Response> {
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (pathname === '/health' || !ready) {
    return new Response(JSON.stringify({ status: 'ok' }), { status: 200, headers });
  }
  const checks = await ready();
  const ok = Object.values(checks).every((check) => check !== false);
  return new Response(JSON.stringify({ status: ok ? 'ok' : 'unavailable', checks }), {
    status: ok ? 200 : 503,
    headers,
  });
}

/**
 * A server that may still be starting in the background: `'starting'` while it does not answer yet
 * and `starting()` says so; once it has started (or when it was never embedded: a configured
 * external server) not answering is `false`, which holds readiness.
 */
export async function readinessOf(
  answers: () => Promise<boolean>,
  starting: (() => boolean) | undefined,
): Promise<ReadinessCheck> {
  if (await answers()) return true;
  return starting?.() ? 'starting' : false;
}
